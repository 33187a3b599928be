import { ForwardedError, InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import {
  parseRepositoryLocation,
  type RepositoryLocation,
} from '../scm/repositoryLocation';
import { git } from './git';

/**
 * Basic credentials for an https clone.
 *
 * @public
 */
export interface CloneAuth {
  /** `x-access-token` for GitHub, `oauth2` for GitLab. */
  username: string;
  /** The token. */
  password: string;
}

/**
 * Clones a repository with its history into `dir` (which must not exist); `microservice:service:update` takes one
 * to replace its git CLI clone (tests, or a backend with its own clone mechanism).
 *
 * @public
 */
export type CloneRepository = (request: {
  url: string;
  dir: string;
  auth?: CloneAuth;
}) => Promise<void>;

/** The SCM types whose pull/merge requests the update template opens with the scaffolder's built-in actions. */
export const UPDATABLE_SCM_TYPES = ['github', 'gitlab'];

/**
 * A repository location for an update: a RepoUrlPicker value resolved through the backend's integrations, on
 * GitHub or GitLab (the two the update template can open a pull/merge request on).
 */
export function scmLocation(
  repoUrl: string,
  integrations: ScmIntegrationRegistry,
): RepositoryLocation {
  const location = parseRepositoryLocation(repoUrl, integrations);
  if (!location) throw new InputError('repoUrl: required');
  if (!UPDATABLE_SCM_TYPES.includes(location.type)) {
    throw new InputError(
      `repoUrl: '${repoUrl}' is on a ${location.type} host; updates open pull/merge requests on GitHub or GitLab only`,
    );
  }
  return location;
}

/**
 * Credentials to clone with: the user's token when the template passes one (RepoUrlPicker's
 * requestUserCredentials), else the integration's own (a GitHub App or token, a GitLab token).
 */
export async function cloneAuth(
  location: RepositoryLocation,
  integrations: ScmIntegrationRegistry,
  token?: string,
): Promise<CloneAuth | undefined> {
  const username = location.type === 'github' ? 'x-access-token' : 'oauth2';
  if (token) return { username, password: token };
  if (location.type === 'github') {
    const credentials = await DefaultGithubCredentialsProvider.fromIntegrations(
      integrations,
    )
      .getCredentials({
        url: `https://${location.host}/${location.owner}/${location.repo}`,
      })
      .catch(() => undefined);
    return credentials?.token
      ? { username, password: credentials.token }
      : undefined;
  }
  const gitlabToken = integrations.gitlab.byHost(location.host)?.config.token;
  return gitlabToken ? { username, password: gitlabToken } : undefined;
}

export function cloneUrl(location: RepositoryLocation): string {
  return `https://${location.host}/${location.owner}/${location.repo}.git`;
}

/**
 * Clones with the git CLI (full history of the default branch: the merge base is in it). Credentials travel as an
 * HTTP header in the environment, never in the URL or the command line.
 */
export const gitCloneRepository: CloneRepository = async ({
  url,
  dir,
  auth,
}) => {
  const env: Record<string, string> = {};
  if (auth) {
    const basic = Buffer.from(`${auth.username}:${auth.password}`).toString(
      'base64',
    );
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  try {
    await git(['clone', '--quiet', '--single-branch', '--', url, dir], {
      cwd: process.cwd(),
      env,
    });
  } catch (error) {
    throw new ForwardedError(`Could not clone ${url}`, error);
  }
};
