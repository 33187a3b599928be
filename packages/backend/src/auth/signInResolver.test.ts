import { ConflictError, NotFoundError } from '@backstage/errors';
import type { AuthResolverContext } from '@backstage/plugin-auth-node';
import { catalogUserByEmail } from './signInResolver';

describe('catalogUserByEmail', () => {
  const resolver = catalogUserByEmail();
  const context = (found: () => Promise<unknown>) => {
    const ctx = {
      findCatalogUser: jest.fn(found),
      signInWithCatalogUser: jest.fn(async () => ({ token: 'issued' })),
    };
    return ctx as typeof ctx & AuthResolverContext;
  };
  const signIn = (email: string | undefined, ctx: AuthResolverContext) =>
    resolver({ profile: { email }, result: {} }, ctx);

  it('signs in as the one User with that e-mail address', async () => {
    const ctx = context(async () => ({
      entity: { kind: 'User', metadata: { name: 'pat', namespace: 'default' } },
    }));
    await expect(signIn(' pat@acme.example ', ctx)).resolves.toEqual({
      token: 'issued',
    });
    expect(ctx.findCatalogUser).toHaveBeenCalledWith({
      filter: { 'spec.profile.email': 'pat@acme.example' },
    });
    expect(ctx.signInWithCatalogUser).toHaveBeenCalledWith({
      entityRef: 'user:default/pat',
    });
  });

  it('refuses an unknown person, two Users with one address, and an identity without e-mail, saying why', async () => {
    const unknown = context(async () => {
      throw new NotFoundError('User not found');
    });
    await expect(signIn('eve@acme.example', unknown)).rejects.toThrow(
      "Sign-in refused: no User in the catalog has the e-mail address eve@acme.example; ask the platform team to add you to the organisation's data",
    );
    const twice = context(async () => {
      throw new ConflictError('User lookup resulted in multiple matches');
    });
    await expect(signIn('team@acme.example', twice)).rejects.toThrow(
      'Sign-in refused: more than one User in the catalog has the e-mail address team@acme.example; the platform team must make it unique',
    );
    const none = context(async () => ({}));
    await expect(signIn(undefined, none)).rejects.toThrow(
      'Sign-in refused: the identity provider sent no verified e-mail address for this account, and the portal finds people by e-mail',
    );
    for (const ctx of [unknown, twice, none])
      expect(ctx.signInWithCatalogUser).not.toHaveBeenCalled();
    expect(none.findCatalogUser).not.toHaveBeenCalled();
  });

  it('passes other failures on unchanged', async () => {
    const broken = context(async () => {
      throw new Error('catalog unavailable');
    });
    await expect(signIn('pat@acme.example', broken)).rejects.toThrow(
      'catalog unavailable',
    );
  });
});
