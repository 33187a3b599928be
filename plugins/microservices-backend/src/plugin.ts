import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { createRouter } from './router';

/**
 * The portal's routes for generated microservices, at /api/microservices: the template's releases and
 * changelog (the entity card and the fleet page) and the Create form's preview.
 *
 * @public
 */
export const microservicesPlugin = createBackendPlugin({
  pluginId: 'microservices',
  register(env) {
    env.registerInit({
      deps: {
        auth: coreServices.auth,
        auditor: coreServices.auditor,
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        discovery: coreServices.discovery,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({ httpRouter, ...deps }) {
        httpRouter.use(await createRouter(deps));
      },
    });
  },
});
