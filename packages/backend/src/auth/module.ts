import { createBackendModule } from '@backstage/backend-plugin-api';
import { oidcAuthenticator } from '@backstage/plugin-auth-backend-module-oidc-provider';
import {
  authProvidersExtensionPoint,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { catalogUserByEmail } from './signInResolver';

/**
 * The `oidc` sign-in provider (Backstage's OpenID Connect authenticator) with this portal's resolver,
 * `catalogUserByEmail`, which `auth.providers.oidc.<environment>.signIn.resolvers` names. It takes the place of
 * `@backstage/plugin-auth-backend-module-oidc-provider`'s own module, whose resolvers it does not offer.
 */
export const oidcSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'oidc-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'oidc',
          factory: createOAuthProviderFactory({
            authenticator: oidcAuthenticator,
            signInResolverFactories: { catalogUserByEmail },
          }),
        });
      },
    });
  },
});
