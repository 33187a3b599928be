import type { UserEntity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { commitAuthor } from './commitAuthor';

describe('commitAuthor', () => {
  const jane: { ref: string; entity: UserEntity } = {
    ref: 'user:default/jane',
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: 'jane' },
      spec: {
        profile: { displayName: 'Jane', email: 'jane@example.com' },
        memberOf: [],
      },
    },
  };

  it('takes scaffolder.defaultAuthor first, as the built-in publish actions do', () => {
    const config = new ConfigReader({
      scaffolder: {
        defaultAuthor: { name: 'Platform Bot', email: 'bot@acme.example' },
      },
    });
    expect(commitAuthor(config, jane)).toEqual({
      name: 'Platform Bot',
      email: 'bot@acme.example',
    });
    // A configured name alone keeps the user's email.
    expect(
      commitAuthor(
        new ConfigReader({ scaffolder: { defaultAuthor: { name: 'Bot' } } }),
        jane,
      ),
    ).toEqual({ name: 'Bot', email: 'jane@example.com' });
  });

  it("else the task user's profile, else the entity ref, else Scaffolder", () => {
    expect(commitAuthor(new ConfigReader({}), jane)).toEqual({
      name: 'Jane',
      email: 'jane@example.com',
    });
    expect(commitAuthor(undefined, { ref: 'user:default/oli' })).toEqual({
      name: 'user:default/oli',
      email: 'scaffolder@backstage.local',
    });
    expect(commitAuthor(undefined, undefined)).toEqual({
      name: 'Scaffolder',
      email: 'scaffolder@backstage.local',
    });
  });

  it('skips empty or blank values, which git would refuse', () => {
    expect(
      commitAuthor(
        new ConfigReader({
          scaffolder: { defaultAuthor: { name: ' ' } },
        }),
        {
          ref: 'user:default/oli',
          entity: {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: { name: 'oli' },
            spec: { profile: { displayName: '', email: 'oli@example.com' } },
          },
        },
      ),
    ).toEqual({ name: 'user:default/oli', email: 'oli@example.com' });
  });
});
