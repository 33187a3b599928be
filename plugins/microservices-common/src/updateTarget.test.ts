import { describeTarget, updateTarget } from './updateTarget';

const component = (annotations: Record<string, string>) => ({
  metadata: { name: 'billing-api', annotations },
});

describe('updateTarget', () => {
  it('names a locally published repository by its directory', () => {
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:file:///srv/portal/repos/billing-api/catalog-info.yaml',
        }),
      ),
    ).toEqual({
      ok: true,
      values: { location: 'local', repository: 'billing-api' },
    });
  });

  it('names a GitHub or GitLab project on the host it was registered from', () => {
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
          'github.com/project-slug': 'acme/billing-api',
        }),
      ),
    ).toEqual({
      ok: true,
      values: {
        location: 'github',
        repoUrl: 'github.com?owner=acme&repo=billing-api',
      },
    });
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:https://gitlab.example.com/platform/team/billing-api/-/blob/main/catalog-info.yaml',
          'gitlab.com/project-slug': 'platform/team/billing-api',
        }),
      ),
    ).toMatchObject({
      values: {
        location: 'gitlab',
        repoUrl: 'gitlab.example.com?owner=platform%2Fteam&repo=billing-api',
      },
    });
  });

  it('says why a repository elsewhere cannot be updated', () => {
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:https://bitbucket.org/acme/billing-api/src/main/catalog-info.yaml',
        }),
      ),
    ).toEqual({
      ok: false,
      reason:
        'its repository (bitbucket.org) is neither a local repository nor a GitHub or GitLab project',
    });
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:https://github.com/acme/x/blob/main/catalog-info.yaml',
          'github.com/project-slug': 'acme',
        }),
      ),
    ).toEqual({
      ok: false,
      reason: "its github.com/project-slug is 'acme', not owner/repository",
    });
    // A slug naming another repository than the one the catalog read the entity from.
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
          'github.com/project-slug': 'acme/private-repo',
        }),
      ),
    ).toEqual({
      ok: false,
      reason:
        "its github.com/project-slug 'acme/private-repo' is not the repository it was registered from (https://github.com/acme/billing-api/blob/main/catalog-info.yaml)",
    });
    // A catalog file the backend reads from its own disk is not a repository.
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'file:/srv/portal/catalog-info.yaml',
        }),
      ),
    ).toEqual({
      ok: false,
      reason:
        "its location (backstage.io/managed-by-location) is 'file:/srv/portal/catalog-info.yaml', not a registered repository",
    });
    // A malformed escape in a hand-edited location is a reason, not a crash.
    expect(
      updateTarget(
        component({
          'backstage.io/managed-by-location':
            'url:file:///x/%E0%A4%A/catalog-info.yaml',
        }),
      ),
    ).toMatchObject({ ok: false });
    expect(updateTarget(component({}))).toEqual({
      ok: false,
      reason: 'its location (backstage.io/managed-by-location) is missing',
    });
  });
});

describe('describeTarget', () => {
  it('says where an update goes', () => {
    expect(describeTarget({ location: 'local', repository: 'x' })).toBe(
      'local repository x',
    );
    expect(
      describeTarget({
        location: 'gitlab',
        repoUrl: 'gitlab.example.com?owner=platform%2Fteam&repo=billing-api',
      }),
    ).toBe('gitlab.example.com platform/team/billing-api');
  });
});
