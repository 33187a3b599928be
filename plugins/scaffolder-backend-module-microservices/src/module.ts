import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createCatalogRegisterAction,
  createDeployRenderAction,
  createPublishLocalAction,
  createServiceRenderAction,
  createServiceUpdateAction,
} from './actions';
import { localPublishingEnabled } from './actions/publishLocal';

/**
 * Adds the microservice actions to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleMicroservices = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'microservices',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        catalog: catalogServiceRef,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
      },
      async init({ scaffolder, catalog, config, auth }) {
        // Repository locations resolve against the backend's own integrations, self-hosted hosts included.
        const integrations = ScmIntegrations.fromConfig(config);
        scaffolder.addActions(
          createServiceRenderAction({ integrations }),
          createDeployRenderAction({ integrations }),
          // Writes on the backend host: only where local publishing is on (the embedded portal), else absent.
          ...(localPublishingEnabled(config)
            ? [createPublishLocalAction({ config })]
            : []),
          createCatalogRegisterAction({ catalog, auth, config, integrations }),
          createServiceUpdateAction({ config, integrations }),
        );
      },
    });
  },
});
