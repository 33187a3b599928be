import type { Entity } from '@backstage/catalog-model';
import { updateTarget, updateTemplatePath } from './updateValues';

const component = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'billing-api', annotations },
  spec: {},
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
    expect(updateTarget(component({}))).toEqual({
      ok: false,
      reason: 'its location (backstage.io/managed-by-location) is missing',
    });
  });
});

describe('updateTemplatePath', () => {
  it('prefills the update template through formData', () => {
    const path = updateTemplatePath({ location: 'local', repository: 'x' });
    const url = new URL(path, 'http://portal');
    expect(url.pathname).toBe('/create/templates/default/microservice-update');
    expect(JSON.parse(url.searchParams.get('formData')!)).toEqual({
      location: 'local',
      repository: 'x',
    });
  });
});
