/*
 * The portal backend that `yarn start` runs: the built frontend app (packages/app) + catalog + scaffolder + this
 * module. With the root app-config.yaml it is the embedded default (SQLite in memory, local publishing, no
 * credentials); adding app-config.production.yaml runs it on PostgreSQL with SCM publishing and authentication.
 */
import { createBackend } from '@backstage/backend-defaults';
import { localRepositoryReaderFactory } from './localRepositoryReader';

const backend = createBackend();
// Serves packages/app's build (and its config) on the backend's own origin.
backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
backend.add(import('../src'));
// Lets the catalog read locally published repositories through file:// URLs (and nothing else on the host).
backend.add(localRepositoryReaderFactory);
backend.start();
