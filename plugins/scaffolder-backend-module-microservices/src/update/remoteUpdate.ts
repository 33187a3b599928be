import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ForwardedError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  DefaultGitlabCredentialsProvider,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import { Gitlab } from '@gitbeaker/rest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Octokit } from 'octokit';
import type { RepositoryLocation } from '../scm/repositoryLocation';
import { git, GitError } from './git';
import { proposal } from './proposal';
import { scmLocation } from './scmRepository';
import {
  PRISTINE_TAG_PREFIX,
  UPDATE_BRANCH_PREFIX,
  updateRepository,
  type UpdateResult,
} from './updateRepository';

export interface RemoteUpdateOptions {
  /** RepoUrlPicker form: `github.com?owner=o&repo=r` (the CLI turns an https URL into it). */
  repoUrl: string;
  integrations: ScmIntegrationRegistry;
  /** A user's token (RepoUrlPicker's requestUserCredentials); default: the integration's credentials. */
  token?: string;
  branchName?: string;
  skeletonRoot?: string;
  /** Who the two commits are by. */
  author?: { name: string; email: string };
  /** Clone and work the update out, but push nothing and open nothing. */
  dryRun?: boolean;
  logger?: LoggerService;
}

export interface RemoteUpdateResult extends UpdateResult {
  repository: {
    type: 'github' | 'gitlab';
    /** `owner/repo` (GitLab: the project's full path). */
    fullName: string;
    webUrl: string;
    defaultBranch: string;
  };
  /** The pull/merge request opened from the update branch. */
  pullRequest?: { number: number; url: string };
}

interface Repository {
  cloneUrl: string;
  webUrl: string;
  defaultBranch: string;
  /** False when the provider says the token cannot push; undefined when it does not say. */
  canPush?: boolean;
}

/** The provider's REST API, as much of it as an update needs. */
interface ScmApi {
  gitUsername: string;
  repository(): Promise<Repository>;
  openProposal(request: {
    branch: string;
    base: string;
    title: string;
    description: string;
  }): Promise<{ number: number; url: string }>;
  /** The newest pull/merge requests from branches starting with `prefix`, newest first. */
  listProposals(prefix: string): Promise<UpdateProposal[]>;
}

/**
 * An update proposal: a branch an update made, and the pull/merge request opened from it (or, for a locally
 * published repository, whether the default branch has merged it).
 *
 * @public
 */
export interface UpdateProposal {
  /** The update branch, `microservice-update/<version>-<render>` unless named otherwise. */
  branch: string;
  /** As the provider reports it; a local branch is merged once the default branch contains it. */
  state: 'open' | 'merged' | 'closed';
  /** The pull/merge request's page, or the local repository's file:// URL. */
  url: string;
  /** The pull/merge request's number (none for a local repository). */
  number?: number;
  /** The pull/merge request's title (none for a local repository). */
  title?: string;
}

/** GitHub's (open, closed, merged when merged_at is set) and GitLab's (opened, merged, closed, locked) states. */
function proposalState(state: string): UpdateProposal['state'] {
  if (state === 'merged') return 'merged';
  // GitLab locks a merge request for the moment it merges it.
  if (state === 'open' || state === 'opened' || state === 'locked')
    return 'open';
  return 'closed';
}

/** A REST failure's HTTP status, from Octokit's RequestError or Gitbeaker's GitbeakerRequestError. */
function httpStatus(error: unknown): number | undefined {
  const e = error as {
    status?: unknown;
    cause?: { response?: { status?: unknown } };
  };
  if (typeof e?.status === 'number') return e.status;
  const status = e?.cause?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** What a provider said, e.g. GitHub's `Validation Failed: A pull request already exists`. */
function apiMessage(error: unknown): string {
  const e = error as {
    message?: string;
    cause?: { description?: unknown };
  };
  const description = e?.cause?.description;
  if (typeof description === 'string' && description) return description;
  if (description && typeof description === 'object')
    return JSON.stringify(description);
  return (e?.message ?? String(error)).split('\n')[0];
}

// One credentials provider per integrations registry: a GitHub App's installation tokens are cached inside it.
const githubCredentials = new WeakMap<
  ScmIntegrationRegistry,
  DefaultGithubCredentialsProvider
>();

function githubCredentialsFor(
  integrations: ScmIntegrationRegistry,
): DefaultGithubCredentialsProvider {
  let provider = githubCredentials.get(integrations);
  if (!provider) {
    provider = DefaultGithubCredentialsProvider.fromIntegrations(integrations);
    githubCredentials.set(integrations, provider);
  }
  return provider;
}

/** The token to use: the user's, else the integration's (a GitHub App installation or token, a GitLab token). */
async function scmToken(
  location: RepositoryLocation,
  integrations: ScmIntegrationRegistry,
  userToken?: string,
): Promise<{ token: string; kind: 'user' | 'integration' }> {
  if (userToken) return { token: userToken, kind: 'user' };
  const url = `https://${location.host}/${location.owner}/${location.repo}`;
  let token: string | undefined;
  try {
    token =
      location.type === 'github'
        ? (await githubCredentialsFor(integrations).getCredentials({ url }))
            .token
        : (
            await DefaultGitlabCredentialsProvider.fromIntegrations(
              integrations,
            ).getCredentials({ url })
          ).token;
  } catch (error) {
    throw new ForwardedError(
      `repoUrl: could not get credentials for ${url} from the ${location.type} integration for ${location.host}`,
      error,
    );
  }
  if (!token) {
    throw new InputError(
      `repoUrl: no credentials for ${location.host}: sign in to ${
        location.type
      } in the form, or configure a token${
        location.type === 'github' ? ' or a GitHub App' : ''
      } for it under integrations.${location.type} in app-config.yaml`,
    );
  }
  return { token, kind: 'integration' };
}

function githubApi(
  location: RepositoryLocation,
  integrations: ScmIntegrationRegistry,
  token: string,
  logger?: LoggerService,
): ScmApi {
  const apiBaseUrl = integrations.github.byHost(location.host)?.config
    .apiBaseUrl;
  if (!apiBaseUrl) {
    // Never fall back to api.github.com: the token belongs to another host.
    throw new InputError(
      `repoUrl: the GitHub integration for ${location.host} has no apiBaseUrl (integrations.github[].apiBaseUrl, e.g. https://${location.host}/api/v3)`,
    );
  }
  const octokit = new Octokit({
    auth: token,
    baseUrl: apiBaseUrl,
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger?.warn(message),
      error: (message: string) => logger?.error(message),
    },
    // Fail with GitHub's answer rather than wait out a rate limit inside a task.
    throttle: { onRateLimit: () => false, onSecondaryRateLimit: () => false },
  });
  const { owner, repo } = location;
  return {
    gitUsername: 'x-access-token',
    async repository() {
      const { data } = await octokit.rest.repos.get({ owner, repo });
      return {
        cloneUrl: data.clone_url,
        webUrl: data.html_url,
        defaultBranch: data.default_branch,
        canPush: data.permissions ? data.permissions.push : undefined,
      };
    },
    async openProposal({ branch, base, title, description }) {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: branch,
        base,
        title,
        body: description,
        // Not retried: a retry after a lost response would find the request already open and fail.
        request: { retries: 0 },
      });
      return { number: data.number, url: data.html_url };
    },
    async listProposals(prefix) {
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        state: 'all',
        sort: 'created',
        direction: 'desc',
        per_page: 50,
      });
      return data
        .filter(
          pull =>
            pull.head.ref.startsWith(prefix) &&
            // A fork's branch of the same name is not an update this product made.
            (!pull.head.repo ||
              pull.head.repo.full_name.toLocaleLowerCase('en-US') ===
                `${owner}/${repo}`.toLocaleLowerCase('en-US')),
        )
        .map(pull => ({
          branch: pull.head.ref,
          state: proposalState(pull.merged_at ? 'merged' : pull.state),
          url: pull.html_url,
          number: pull.number,
          title: pull.title,
        }));
    },
  };
}

function gitlabApi(
  location: RepositoryLocation,
  integrations: ScmIntegrationRegistry,
  token: { token: string; kind: 'user' | 'integration' },
): ScmApi {
  const config = integrations.gitlab.byHost(location.host)?.config;
  const client = new Gitlab({
    host: config?.baseUrl ?? `https://${location.host}`,
    // A user's token comes from GitLab's OAuth sign-in; an integration's is a personal/project/group token.
    ...(token.kind === 'user'
      ? { oauthToken: token.token }
      : { token: token.token }),
  });
  const project = `${location.owner}/${location.repo}`;
  return {
    gitUsername: 'oauth2',
    async repository() {
      const data = (await client.Projects.show(project)) as {
        http_url_to_repo: string;
        web_url: string;
        default_branch?: string | null;
        permissions?: {
          project_access?: { access_level: number } | null;
          group_access?: { access_level: number } | null;
        };
      };
      const levels = [
        data.permissions?.project_access?.access_level,
        data.permissions?.group_access?.access_level,
      ].filter((l): l is number => typeof l === 'number');
      return {
        cloneUrl: data.http_url_to_repo,
        webUrl: data.web_url,
        defaultBranch: data.default_branch || 'main',
        // Developer (30) is the least role that pushes branches; no access entry at all says nothing.
        canPush: levels.length > 0 ? Math.max(...levels) >= 30 : undefined,
      };
    },
    async openProposal({ branch, base, title, description }) {
      const data = (await client.MergeRequests.create(
        project,
        branch,
        base,
        title,
        { description, removeSourceBranch: true },
      )) as { iid: number; web_url: string };
      return { number: data.iid, url: data.web_url };
    },
    async listProposals(prefix) {
      const data = (await client.MergeRequests.all({
        projectId: project,
        orderBy: 'created_at',
        sort: 'desc',
        perPage: 50,
        maxPages: 1,
      })) as Array<{
        iid: number;
        state: string;
        title: string;
        source_branch: string;
        web_url: string;
      }>;
      return data
        .filter(request => request.source_branch.startsWith(prefix))
        .map(request => ({
          branch: request.source_branch,
          state: proposalState(request.state),
          url: request.web_url,
          number: request.iid,
          title: request.title,
        }));
    },
  };
}

/**
 * Git's settings for talking to the remote with a token: an HTTP header from the environment, never the URL or
 * the command line, sent only to the remote's origin, after any GIT_CONFIG_* settings the process already has.
 */
function authEnv(
  origin: string,
  auth: { username: string; password: string },
): Record<string, string> {
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString(
    'base64',
  );
  const count = Number(process.env.GIT_CONFIG_COUNT) || 0;
  return {
    GIT_CONFIG_COUNT: String(count + 1),
    [`GIT_CONFIG_KEY_${count}`]: `http.${origin}/.extraHeader`,
    [`GIT_CONFIG_VALUE_${count}`]: `Authorization: Basic ${basic}`,
  };
}

/**
 * The clone URL the API gave, accepted only where the token already goes: over https on the integration's host,
 * or on the origin of the integration's API itself (which is how a self-hosted server or a local test server
 * answers). Anywhere else — another host, plain http to another origin — the token would travel further.
 */
function checkedCloneUrl(
  cloneUrl: string,
  location: RepositoryLocation,
  integrations: ScmIntegrationRegistry,
): URL {
  const api =
    location.type === 'github'
      ? integrations.github.byHost(location.host)?.config.apiBaseUrl
      : integrations.gitlab.byHost(location.host)?.config.baseUrl;
  const apiOrigin = api ? new URL(api).origin : undefined;
  const url = new URL(cloneUrl);
  const onHost = url.host === location.host && url.protocol === 'https:';
  if (!onHost && url.origin !== apiOrigin) {
    throw new InputError(
      `repoUrl: ${location.host} gave the clone URL ${url.origin}${url.pathname}, which is neither https on ${location.host} nor the origin of its API (${apiOrigin}); refusing to send the token there`,
    );
  }
  return url;
}

/**
 * Updates a generated repository on GitHub or GitLab: clones it with its history and its pristine-render tags,
 * works the update out exactly as for a local repository (a pristine-render commit on the base, the merge of it
 * into the default branch), pushes the branch and the new pristine render's tag in one atomic push, and opens a
 * pull/merge request from that branch through the provider's REST API. If the request cannot be opened, the
 * branch and the tag are deleted again: no branch without its request, no request without its branch.
 */
export async function updateRemoteRepository(
  options: RemoteUpdateOptions,
): Promise<RemoteUpdateResult> {
  const { integrations, logger } = options;
  const location = scmLocation(options.repoUrl, integrations);
  const fullName = `${location.owner}/${location.repo}`;
  const token = await scmToken(location, integrations, options.token);
  const api =
    location.type === 'github'
      ? githubApi(location, integrations, token.token, logger)
      : gitlabApi(location, integrations, token);
  const kind = location.type === 'github' ? 'pull request' : 'merge request';

  let remote: Repository;
  try {
    remote = await api.repository();
  } catch (error) {
    const status = httpStatus(error);
    if (status === 401) {
      throw new NotAllowedError(
        `repoUrl: ${location.host} refused the ${
          token.kind
        }'s token (401 ${apiMessage(error)})`,
      );
    }
    if (status === 403 || status === 404) {
      throw new NotFoundError(
        `repoUrl: ${fullName} on ${
          location.host
        } does not exist or this token cannot read it (${status} ${apiMessage(
          error,
        )})`,
      );
    }
    throw new ForwardedError(
      `repoUrl: could not read ${fullName} from ${location.host}`,
      error,
    );
  }
  // GitHub reports `permissions.push` from a user's point of view: false for a GitHub App installation token
  // that may push. Only a user's token is judged by it; the push itself decides for the integration's.
  if (remote.canPush === false && token.kind === 'user' && !options.dryRun) {
    throw new NotAllowedError(
      `repoUrl: the token can read ${fullName} but not push to it (${
        location.type === 'github'
          ? 'it needs write access to the repository contents'
          : 'it needs the Developer role or higher'
      }); nothing was pushed`,
    );
  }
  const repository = {
    type: location.type as 'github' | 'gitlab',
    fullName,
    webUrl: remote.webUrl,
    defaultBranch: remote.defaultBranch,
  };

  const cloneUrl = checkedCloneUrl(remote.cloneUrl, location, integrations);
  const auth = authEnv(cloneUrl.origin, {
    username: api.gitUsername,
    password: token.token,
  });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'microservice-remote-'));
  try {
    const repoDir = path.join(work, 'repo');
    logger?.info(`Cloning ${remote.cloneUrl} (${remote.defaultBranch})`);
    try {
      await git(
        [
          'clone',
          '--quiet',
          '--single-branch',
          '--branch',
          remote.defaultBranch,
          '--',
          cloneUrl.href,
          repoDir,
        ],
        { cwd: work, env: auth },
      );
      // The pristine renders of earlier updates, kept by their tags whichever way the updates were merged.
      await git(
        [
          'fetch',
          '--quiet',
          '--no-write-fetch-head',
          'origin',
          `+refs/tags/${PRISTINE_TAG_PREFIX}*:refs/tags/${PRISTINE_TAG_PREFIX}*`,
        ],
        { cwd: repoDir, env: auth },
      );
    } catch (error) {
      throw new ForwardedError(`Could not clone ${remote.cloneUrl}`, error);
    }
    let result: UpdateResult;
    try {
      result = await updateRepository({
        repoDir,
        branchName: options.branchName,
        integrations,
        skeletonRoot: options.skeletonRoot,
        author: options.author,
        dryRun: options.dryRun,
        explainPush: false,
        logger,
      });
    } catch (error) {
      // Refusals name the clone's temporary directory; name the repository instead.
      if (error instanceof InputError) {
        const here = `${fullName} (${remote.defaultBranch})`;
        const real = await fs.realpath(repoDir).catch(() => repoDir);
        throw new InputError(
          error.message.split(real).join(here).split(repoDir).join(here),
        );
      }
      throw error;
    }
    const renamed = { ...result, repoDir: remote.webUrl };
    if (options.dryRun || result.status === 'up-to-date') {
      return { ...renamed, repository };
    }

    const branch = result.branchName!;
    const tag = result.pristineTag!;
    const onRemote = await git(
      ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`],
      { cwd: repoDir, env: auth },
    );
    if (onRemote.stdout.trim()) {
      throw new InputError(
        `branchName: '${branch}' already exists on ${fullName} (an earlier update's ${kind}?); merge or delete it, or choose another branch name; nothing was pushed`,
      );
    }
    const refs = [`refs/heads/${branch}`, `refs/tags/${tag}`];
    logger?.info(`Pushing ${branch} and ${tag} to ${cloneUrl.href}`);
    try {
      await git(
        [
          'push',
          '--atomic',
          '--porcelain',
          // The branch must still not exist when the push lands (another update may have raced this one).
          `--force-with-lease=refs/heads/${branch}:`,
          'origin',
          ...refs.map(ref => `${ref}:${ref}`),
        ],
        { cwd: repoDir, env: auth },
      );
    } catch (error) {
      const message = (error as GitError).message;
      // git's words for a refusal by the remote (a hook, a protection rule, missing rights) or by the lease.
      const refused =
        /\[(remote )?rejected\]|denied|declined|protected|forbidden|403|stale info|already exists/i.test(
          message,
        );
      if (!refused) {
        throw new ForwardedError(
          `${fullName}: could not push branch ${branch} and tag ${tag}; nothing was pushed (the push is atomic)`,
          error,
        );
      }
      throw new NotAllowedError(
        `${fullName}: the remote refused the push of branch ${branch} and tag ${tag} — ${message}. Nothing was pushed (the push is atomic). The token must be allowed to push (${
          location.type === 'github'
            ? 'contents: write'
            : 'the Developer role, write_repository or api scope'
        }), and no branch protection, ruleset or push rule may cover '${branch}' or tags '${PRISTINE_TAG_PREFIX}*'.`,
      );
    }

    const text = proposal(result);
    try {
      const pullRequest = await api.openProposal({
        branch,
        base: remote.defaultBranch,
        title: text.title,
        description: text.description,
      });
      logger?.info(`Opened ${kind} ${pullRequest.url}`);
      return { ...renamed, repository, pullRequest };
    } catch (error) {
      // No branch without its request: take back what was pushed, the branch first (one at a time, so a
      // protected tag cannot keep the branch).
      const failures: string[] = [];
      for (const ref of refs) {
        await git(['push', '--quiet', 'origin', `:${ref}`], {
          cwd: repoDir,
          env: auth,
        }).catch((undo: Error) => failures.push(`${ref}: ${undo.message}`));
      }
      const undone =
        failures.length === 0
          ? `the branch ${branch} and the tag ${tag} were deleted again`
          : `deleting what was pushed failed (${failures.join(
              '; ',
            )}); delete it by hand`;
      const status = httpStatus(error);
      const message = `${fullName}: could not open the ${kind} from ${branch} into ${
        remote.defaultBranch
      } (${status ?? 'error'} ${apiMessage(error)})`;
      if (status === 401 || status === 403) {
        throw new NotAllowedError(
          `${message} — the token may push but not open ${kind}s (${
            location.type === 'github'
              ? 'it needs pull-requests: write'
              : 'it needs the api scope'
          }); ${undone}`,
        );
      }
      throw new ForwardedError(`${message}; ${undone}`, error);
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * The update proposals on a GitHub or GitLab repository — pull/merge requests from `microservice-update/` branches,
 * newest first — read with the integration's credentials.
 */
export async function remoteUpdateProposals(options: {
  repoUrl: string;
  integrations: ScmIntegrationRegistry;
}): Promise<UpdateProposal[]> {
  const { integrations } = options;
  const location = scmLocation(options.repoUrl, integrations);
  const token = await scmToken(location, integrations);
  const api =
    location.type === 'github'
      ? githubApi(location, integrations, token.token)
      : gitlabApi(location, integrations, token);
  try {
    return await api.listProposals(UPDATE_BRANCH_PREFIX);
  } catch (error) {
    throw new ForwardedError(
      `repoUrl: could not list the pull/merge requests of ${location.owner}/${
        location.repo
      } on ${location.host} (${httpStatus(error) ?? ''} ${apiMessage(error)})`,
      error,
    );
  }
}
