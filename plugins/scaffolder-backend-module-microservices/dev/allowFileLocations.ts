import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';

/**
 * Lets the catalog API accept `file` locations when `microservices.embedded.allowFileLocations` is true, which
 * `microservice:catalog:register` needs for locally published repositories. Only the embedded default sets it:
 * in production a file location would let any user make the backend read files on its host.
 */
export const catalogModuleAllowFileLocations = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'embedded-file-locations',
  register(reg) {
    reg.registerInit({
      deps: {
        locations: catalogLocationsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ locations, config, logger }) {
        if (config.getOptionalBoolean('microservices.embedded.allowFileLocations') === true) {
          logger.warn('Catalog accepts file locations (embedded development mode only)');
          locations.setAllowedLocationTypes(['url', 'file']);
        }
      },
    });
  },
});
