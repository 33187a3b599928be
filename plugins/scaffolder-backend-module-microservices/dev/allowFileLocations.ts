import { createBackendModule } from '@backstage/backend-plugin-api';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';

/**
 * Lets the catalog API accept `file` locations, which `microservice:catalog:register` uses for locally
 * published repositories. Embedded mode only: in production a file location would let any user make the
 * backend read files on its host, so production backends never add this module.
 */
export const catalogModuleAllowFileLocations = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'embedded-file-locations',
  register(reg) {
    reg.registerInit({
      deps: { locations: catalogLocationsExtensionPoint },
      async init({ locations }) {
        locations.setAllowedLocationTypes(['url', 'file']);
      },
    });
  },
});
