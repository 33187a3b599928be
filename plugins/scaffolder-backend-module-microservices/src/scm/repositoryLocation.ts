import { ConfigReader } from '@backstage/config';
import { InputError, isError } from '@backstage/errors';
import {
  ScmIntegrations,
  type ScmIntegration,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import { parseRepoUrl } from '@backstage/plugin-scaffolder-node';

/** A RepoUrlPicker value resolved against the backend's SCM integrations. */
export interface RepositoryLocation {
  /** Host as configured, lowercase (with its port, if any). */
  host: string;
  /** Owner, organization or workspace: the first path segment of the repository. */
  owner: string;
  repo: string;
  /** The integration's type: `github`, `gitlab`, `bitbucketCloud`, `azure`, … */
  type: string;
}

/**
 * The integrations a backend has with no `integrations` config: the public hosts (github.com, gitlab.com, …).
 * Used where there is no backend config, such as `yarn render`.
 */
export function publicHostIntegrations(): ScmIntegrationRegistry {
  return ScmIntegrations.fromConfig(new ConfigReader({}));
}

// Integrations for object storage, not repositories: a RepoUrlPicker value never points at one.
const STORAGE_TYPES = new Set(['awsS3', 'azureBlobStorage', 'googleGcs']);

function repositoryHosts(integrations: ScmIntegrationRegistry): string[] {
  const hostOf = (i: ScmIntegration) =>
    (i as ScmIntegration & { config?: { host?: unknown } }).config?.host;
  const hosts = integrations
    .list()
    .filter(i => !STORAGE_TYPES.has(i.type))
    .map(hostOf)
    .filter((h): h is string => typeof h === 'string');
  return [...new Set(hosts)].sort();
}

/**
 * Resolves a RepoUrlPicker value (`github.com?owner=o&repo=r`) with scaffolder-node's `parseRepoUrl`: the host
 * must have an integration, whose type (not the host's spelling) says which SCM it is. Undefined when the value
 * is empty (a local repository); an InputError naming `field` for anything else it cannot resolve.
 */
export function parseRepositoryLocation(
  repoUrl: string,
  integrations: ScmIntegrationRegistry,
  field = 'repoUrl',
): RepositoryLocation | undefined {
  const value = repoUrl.trim();
  if (!value) return undefined;
  let host: string;
  try {
    host = new URL(`https://${value}`).host;
  } catch {
    throw new InputError(
      `${field}: '${value}' is not a repository location such as 'github.com?owner=acme&repo=billing-api'`,
    );
  }
  const integration = integrations.byHost(host);
  if (!integration || STORAGE_TYPES.has(integration.type)) {
    throw new InputError(
      `${field}: no SCM integration is configured for host '${host}'; configured hosts: ${repositoryHosts(
        integrations,
      ).join(', ')}`,
    );
  }
  let parsed: ReturnType<typeof parseRepoUrl>;
  try {
    parsed = parseRepoUrl(value, integrations);
  } catch (error) {
    throw new InputError(
      `${field}: ${isError(error) ? error.message : String(error)}`,
    );
  }
  const owner = parsed.owner ?? parsed.organization ?? parsed.workspace;
  if (!owner || !parsed.repo) {
    throw new InputError(
      `${field}: '${value}' must name an owner (or organization, or workspace) and a repo`,
    );
  }
  return {
    host: host.toLowerCase(),
    owner,
    repo: parsed.repo,
    type: integration.type,
  };
}
