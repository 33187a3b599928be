import { OAuth2 } from '@backstage/core-app-api';
import { SignInPage } from '@backstage/core-components';
import {
  ApiBlueprint,
  configApiRef,
  createApiRef,
  createFrontendModule,
  discoveryApiRef,
  oauthRequestApiRef,
  type BackstageIdentityApi,
  type OpenIdConnectApi,
  type ProfileInfoApi,
  type SessionApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/** The portal's OpenID Connect sign-in: the backend's `oidc` provider (packages/backend/src/auth). */
export const oidcAuthApiRef = createApiRef<
  OpenIdConnectApi & ProfileInfoApi & BackstageIdentityApi & SessionApi
>().with({ id: 'auth.oidc', pluginId: 'app' });

const oidcAuthApi = ApiBlueprint.make({
  name: 'oidc-auth',
  params: defineParams =>
    defineParams({
      api: oidcAuthApiRef,
      deps: {
        configApi: configApiRef,
        discoveryApi: discoveryApiRef,
        oauthRequestApi: oauthRequestApiRef,
      },
      factory: ({ configApi, discoveryApi, oauthRequestApi }) =>
        OAuth2.create({
          configApi,
          discoveryApi,
          oauthRequestApi,
          provider: { id: 'oidc', title: 'OpenID Connect', icon: () => null },
          environment: configApi.getOptionalString('auth.environment'),
          defaultScopes: ['openid', 'profile', 'email'],
        }),
    }),
});

/**
 * The sign-in page: one card, the organisation's identity provider. It is off in the embedded default
 * (app-config.yaml turns `sign-in-page:app` off) and on in production.
 */
const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => props =>
      (
        <SignInPage
          {...props}
          title="Cross-Stack Microservices"
          align="center"
          providers={[
            {
              id: 'oidc-auth-provider',
              title: 'Organisation sign-in',
              message:
                'Sign in with your organisation account (OpenID Connect)',
              apiRef: oidcAuthApiRef,
            },
          ]}
        />
      ),
  },
});

/** The app plugin's sign-in page and the OpenID Connect API it signs in with. */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [oidcAuthApi, signInPage],
});
