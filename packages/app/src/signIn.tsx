import { OAuth2 } from '@backstage/core-app-api';
import { ProxiedSignInPage, SignInPage } from '@backstage/core-components';
import {
  ApiBlueprint,
  AppRootElementBlueprint,
  configApiRef,
  createApiRef,
  createFrontendModule,
  discoveryApiRef,
  identityApiRef,
  oauthRequestApiRef,
  useApi,
  type BackstageIdentityApi,
  type OpenIdConnectApi,
  type ProfileInfoApi,
  type SessionApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { useEffect, useState } from 'react';
import { z } from 'zod';

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

/** Who Backstage's guest provider signs in (`auth.providers.guest.userEntityRef` left at its default). */
export const GUEST_USER = 'user:development/guest';

/**
 * The sign-in page. Its config names the one provider it offers:
 * - `oidc` (the default, production): one card, the organisation's identity provider;
 * - `guest` (the embedded default, app-config.yaml): Backstage's guest provider, through the backend's proxied
 *   sign-in, so the development portal opens without a login. The backend offers the guest provider only where
 *   it is configured and only under `NODE_ENV=development`; elsewhere the page shows the backend's refusal.
 */
const signInPage = SignInPageBlueprint.makeWithOverrides({
  configSchema: {
    provider: z.enum(['oidc', 'guest']).default('oidc'),
  },
  factory(originalFactory, { config }) {
    return originalFactory({
      loader: async () => props =>
        config.provider === 'guest' ? (
          <ProxiedSignInPage {...props} provider="guest" />
        ) : (
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
    });
  },
});

/** A line at the foot of every page while the guest is signed in: the embedded default's sign-in, said plainly. */
export function GuestNotice() {
  const identityApi = useApi(identityApiRef);
  const [user, setUser] = useState<string>();
  useEffect(() => {
    let current = true;
    identityApi
      .getBackstageIdentity()
      .then(identity => current && setUser(identity.userEntityRef))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [identityApi]);
  if (user !== GUEST_USER) return null;
  return (
    <div
      role="status"
      aria-label="Development sign-in"
      style={{
        position: 'fixed',
        bottom: 0,
        right: 0,
        zIndex: 1300,
        padding: '4px 12px',
        fontSize: 12,
        background: '#fff3cd',
        color: '#4d3800',
        borderTopLeftRadius: 4,
      }}
    >
      Development portal: signed in as the guest ({GUEST_USER}), no login.
      Production signs people in through the organisation&apos;s identity
      provider.
    </div>
  );
}

const guestNotice = AppRootElementBlueprint.make({
  name: 'guest-notice',
  params: { element: <GuestNotice /> },
});

/** The app plugin's sign-in page, the OpenID Connect API it signs in with, and the guest notice. */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [oidcAuthApi, signInPage, guestNotice],
});
