/*
 * The portal backend that `yarn start` runs: catalog + scaffolder + this module. With the root app-config.yaml it
 * is the embedded default (SQLite in memory, local publishing, file locations, no credentials); adding
 * app-config.production.yaml runs it on PostgreSQL with SCM publishing and url registration only.
 */
import { createBackend } from '@backstage/backend-defaults';
import { catalogModuleAllowFileLocations } from './allowFileLocations';

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
backend.add(import('../src'));
backend.add(catalogModuleAllowFileLocations);
backend.start();
