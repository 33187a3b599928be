import {
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';

/**
 * Backstage's guest sign-in provider, installed only where `auth.providers.guest` is configured: the embedded
 * default (app-config.yaml), never production, which masks it with `guest: null`.
 *
 * The provider's own module reads `auth.providers.guest` as it starts and fails without it, so a loader decides
 * instead of the backend's feature list. The provider itself refuses to sign anyone in unless `NODE_ENV` is
 * `development` (as `yarn start` sets it), so a production process that somehow kept the key still has no guest.
 */
export const guestSignInLoader = createBackendFeatureLoader({
  deps: { config: coreServices.rootConfig },
  *loader({ config }) {
    if (config.getOptionalConfig('auth.providers.guest')) {
      yield import('@backstage/plugin-auth-backend-module-guest-provider');
    }
  },
});
