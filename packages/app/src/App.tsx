import { createApp } from '@backstage/frontend-defaults';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import microservicesPlugin from '@cross-stack/plugin-microservices';
import scaffolderMicroservicesModule from '@cross-stack/plugin-scaffolder-frontend-module-microservices';
import { signInModule } from './signIn';

/**
 * The portal: the catalog (entity pages with relations), API docs (an API entity's OpenAPI definition rendered),
 * the owners' group pages, and the scaffolder (Create, the template form with this repository's fields, the task
 * log, the template editor and dry-run), the service fleet (a template card on generated Components, the fleet page
 * with update proposals), and a sign-in page through OpenID Connect where the config turns it on.
 */
export default createApp({
  features: [
    catalogPlugin,
    apiDocsPlugin,
    orgPlugin,
    scaffolderPlugin,
    scaffolderMicroservicesModule,
    microservicesPlugin,
    signInModule,
  ],
});
