import {
  GITHUB_ENTERPRISE,
  SELF_HOSTED_GITLAB,
  selfHostedIntegrations,
} from '../../testUtils/integrations';
import {
  parseRepositoryLocation,
  publicHostIntegrations,
} from './repositoryLocation';

describe('parseRepositoryLocation', () => {
  const integrations = selfHostedIntegrations();

  it.each([
    [
      'github.com?owner=Acme&repo=billing-api',
      {
        host: 'github.com',
        owner: 'Acme',
        repo: 'billing-api',
        type: 'github',
      },
    ],
    [
      'gitlab.com?owner=acme&repo=orders',
      { host: 'gitlab.com', owner: 'acme', repo: 'orders', type: 'gitlab' },
    ],
    // The integration's type decides, whatever the host is called.
    [
      `${SELF_HOSTED_GITLAB}?owner=platform&repo=orders`,
      {
        host: SELF_HOSTED_GITLAB,
        owner: 'platform',
        repo: 'orders',
        type: 'gitlab',
      },
    ],
    [
      `${GITHUB_ENTERPRISE.toUpperCase()}?owner=Platform&repo=orders`,
      {
        host: GITHUB_ENTERPRISE,
        owner: 'Platform',
        repo: 'orders',
        type: 'github',
      },
    ],
    [
      'dev.azure.com?organization=acme&project=shop&repo=orders',
      { host: 'dev.azure.com', owner: 'acme', repo: 'orders', type: 'azure' },
    ],
  ])('resolves %s', (repoUrl, expected) => {
    expect(parseRepositoryLocation(repoUrl, integrations)).toEqual(expected);
  });

  it('treats an empty location as a local repository', () => {
    expect(parseRepositoryLocation('', integrations)).toBeUndefined();
    expect(parseRepositoryLocation('  ', integrations)).toBeUndefined();
  });

  it('refuses a host without an integration, naming repoUrl and the configured hosts', () => {
    expect(() =>
      parseRepositoryLocation('git.example.org?owner=a&repo=b', integrations),
    ).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: `repoUrl: no SCM integration is configured for host 'git.example.org'; configured hosts: bitbucket.org, dev.azure.com, ${SELF_HOSTED_GITLAB}, ${GITHUB_ENTERPRISE}, github.com, gitlab.com`,
      }),
    );
    // Without config, only the public hosts have integrations.
    expect(() =>
      parseRepositoryLocation(
        `${SELF_HOSTED_GITLAB}?owner=a&repo=b`,
        publicHostIntegrations(),
      ),
    ).toThrow(
      /^repoUrl: no SCM integration is configured for host 'git\.acme\.internal'; configured hosts: bitbucket\.org, dev\.azure\.com, github\.com, gitlab\.com$/,
    );
  });

  it.each([
    ['github.com?owner=acme', /^repoUrl: .*missing repo/],
    ['github.com?repo=orders', /^repoUrl: .*missing owner/],
    ['https://github.com/acme/orders', /^repoUrl: /],
    ['gitlab.com?project=42', /^repoUrl: .*must name an owner/],
  ])(
    'refuses the incomplete location %s, naming repoUrl',
    (repoUrl, message) => {
      expect(() => parseRepositoryLocation(repoUrl, integrations)).toThrow(
        message,
      );
    },
  );

  it('refuses a storage host, which holds no repositories', () => {
    expect(() =>
      parseRepositoryLocation('amazonaws.com?owner=a&repo=b', integrations),
    ).toThrow(
      /^repoUrl: no SCM integration is configured for host 'amazonaws\.com'/,
    );
  });

  it('names the field it was given', () => {
    expect(() =>
      parseRepositoryLocation(
        'nowhere.example?owner=a&repo=b',
        integrations,
        'source',
      ),
    ).toThrow(/^source: /);
  });
});
