import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import {
  createSignInResolverFactory,
  type AuthResolverContext,
  type SignInInfo,
} from '@backstage/plugin-auth-node';

/**
 * Signs a person in as the catalog User whose `spec.profile.email` is the e-mail address the identity provider
 * vouches for, and refuses everyone else with a message that says why and what to do: no e-mail in the
 * identity, no such User, or two Users with that address (which would make the identity ambiguous). The
 * User's group memberships become the token's ownership claims, which the permission policy reads.
 *
 * Backstage's `emailMatchingUserEntityProfileEmail` does the same lookup but answers "User not found" and "User
 * lookup resulted in multiple matches", which a person at the sign-in page cannot act on.
 */
export const catalogUserByEmail = createSignInResolverFactory({
  create() {
    return async (info: SignInInfo<unknown>, ctx: AuthResolverContext) => {
      const email = info.profile.email?.trim();
      if (!email)
        throw new NotAllowedError(
          'Sign-in refused: the identity provider sent no verified e-mail address for this account, and the portal finds people by e-mail',
        );
      let userRef: string;
      try {
        const { entity } = await ctx.findCatalogUser({
          filter: { 'spec.profile.email': email },
        });
        userRef = stringifyEntityRef(entity);
      } catch (error) {
        const name = (error as Error)?.name;
        if (name === 'NotFoundError')
          throw new NotAllowedError(
            `Sign-in refused: no User in the catalog has the e-mail address ${email}; ask the platform team to add you to the organisation's data`,
          );
        if (name === 'ConflictError')
          throw new NotAllowedError(
            `Sign-in refused: more than one User in the catalog has the e-mail address ${email}; the platform team must make it unique`,
          );
        throw error;
      }
      return ctx.signInWithCatalogUser({ entityRef: userRef });
    };
  },
});
