import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { oidcAuthenticator } from '@backstage/plugin-auth-backend-module-oidc-provider';
import {
  authProvidersExtensionPoint,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { catalogUserByEmail } from './signInResolver';

/**
 * The `oidc` sign-in provider (Backstage's OpenID Connect authenticator) with this portal's resolver,
 * `catalogUserByEmail`, which `auth.providers.oidc.<environment>.signIn.resolvers` names. It takes the place of
 * `@backstage/plugin-auth-backend-module-oidc-provider`'s own module, whose resolvers it does not offer. The
 * backend refuses to start when OIDC is configured without `auth.session.secret`.
 */
export const oidcSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'oidc-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ providers, config }) {
        // Without a session secret the OIDC flow fails at the first person's sign-in; refuse to start instead.
        if (
          config.getOptionalConfig('auth.providers.oidc') &&
          !config.getOptionalString('auth.session.secret')
        ) {
          throw new Error(
            'auth.session.secret: required for OpenID Connect sign-in (AUTH_SESSION_SECRET in app-config.production.yaml); give it a random value of 24 bytes or more, the same on every replica',
          );
        }
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
