/*
 * The embedded portal backend that `yarn start` runs: catalog + scaffolder + this module, with the settings of
 * the root app-config.yaml (SQLite in memory, local publishing, no credentials). With
 * app-config.production.yaml it runs on PostgreSQL and publishes to an SCM instead.
 */
import { createBackend } from '@backstage/backend-defaults';
import { catalogModuleAllowFileLocations } from './allowFileLocations';

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('../src'));
// Only the embedded default publishes locally and registers file locations.
if (process.env.MICROSERVICES_PRODUCTION !== 'true') {
  backend.add(catalogModuleAllowFileLocations);
}
backend.start();
