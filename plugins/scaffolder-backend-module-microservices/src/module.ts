import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createCatalogRegisterAction,
  createDeployRenderAction,
  createPublishLocalAction,
  createServiceRenderAction,
} from './actions';

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
      },
      async init({ scaffolder, catalog, config }) {
        scaffolder.addActions(
          createServiceRenderAction(),
          createDeployRenderAction(),
          createPublishLocalAction({ config }),
          createCatalogRegisterAction({ catalog, config }),
        );
      },
    });
  },
});
