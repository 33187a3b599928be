import type { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { MicroservicesPermissionPolicy } from './policy';

/**
 * The policy as the tests meet it: the example org's platform team (team-a), pat in it, everyone else in
 * team-b, as the sign-in resolver's ownership claims would say.
 */
export const PLATFORM = 'group:default/team-a';

export const testPolicy = new MicroservicesPermissionPolicy({
  platformGroup: PLATFORM,
  userInfo: async credentials => {
    const ref = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return {
      userEntityRef: ref,
      ownershipEntityRefs: [
        ref,
        ref === 'user:default/pat' ? PLATFORM : 'group:default/team-b',
      ],
    };
  },
});

/** A signed-in user as the permission backend hands them to a policy. */
export const user = (ref: string) =>
  ({
    credentials: {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: ref },
    },
  } as unknown as PolicyQueryUser);
