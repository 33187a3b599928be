import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageVersion } from '../packageFiles';
import { proposal, SERVICE_UPDATE_ID } from '../update/proposal';
import { updateRemoteRepository } from '../update/remoteUpdate';
import { scmLocation } from '../update/scmRepository';
import {
  updateRepository,
  type UpdateResult,
} from '../update/updateRepository';
import {
  localPublishingEnabled,
  localPublishingOff,
  localReposDirectory,
} from './publishLocal';
import { commitAuthor } from './commitAuthor';
import { examples } from './serviceUpdate.examples';

export { SERVICE_UPDATE_ID };

/**
 * Input of `microservice:service:update`: exactly one of `repository` (embedded mode) and `repoUrl`.
 *
 * @public
 */
export type ServiceUpdateInput = (
  | { repository: string; repoUrl?: undefined }
  | { repoUrl: string; repository?: undefined }
) & {
  token?: string;
  branchName?: string;
  version?: string;
};

/**
 * Output of `microservice:service:update`.
 *
 * @public
 */
export type ServiceUpdateOutput = {
  status: 'up-to-date' | 'updated' | 'conflicts';
  changed: boolean;
  summary: string;
  fromVersion: string;
  toVersion: string;
  branchName?: string;
  conflicts: string[];
  changedFiles: string[];
  baseSource: 'history' | 'tag' | 'fallback';
  baseDescription: string;
  pristineCommit?: string;
  pristineTag?: string;
  mergeCommit?: string;
  repoPath?: string;
  remoteUrl?: string;
  pullRequestUrl?: string;
  pullRequestNumber?: number;
  title: string;
  description: string;
  commitMessage: string;
};

/** The repository named by `repository`, which must lie inside the local publishing directory (symlinks resolved). */
async function localRepository(
  repository: string,
  reposDir: string,
): Promise<string> {
  const given = repository.startsWith('file://')
    ? fileURLToPath(repository)
    : repository;
  const outside = new InputError(
    `repository: '${repository}' is outside the local publishing directory ${reposDir} (microservices.localPublishing.directory); only repositories published there can be updated`,
  );
  let candidate: string;
  try {
    candidate = resolveSafeChildPath(reposDir, given);
  } catch {
    throw outside;
  }
  const [realRoot, real] = await Promise.all([
    fs.realpath(reposDir).catch(() => reposDir),
    fs.realpath(candidate).catch(() => undefined),
  ]);
  if (!real) {
    throw new InputError(
      `repository: '${repository}' does not exist in the local publishing directory ${reposDir}`,
    );
  }
  if (real === realRoot || !real.startsWith(`${realRoot}${path.sep}`)) {
    throw outside;
  }
  return real;
}

/**
 * Updates a generated repository to the current skeletons: its recorded answers are rendered again and merged
 * three ways (base: the pristine render of the version it records; ours: HEAD; theirs: the new render).
 *
 * - `repository` (embedded mode): a repository in the local publishing directory gets a new branch with a
 *   pristine-render commit and the merge, and a tag on the pristine render; nothing else is touched.
 * - `repoUrl` (GitHub, GitLab): the repository is cloned with the user's token or the integration's credentials,
 *   the same branch and tag are pushed in one atomic push, and a pull/merge request is opened from the branch
 *   through the provider's REST API. If it cannot be opened, the branch and the tag are deleted again.
 *
 * A dirty work tree, a missing or invalid answers file, an unknown stack or template version, or a repository
 * outside the local publishing directory are InputErrors, and nothing is written. A dry run works the update out
 * and writes nothing, locally or on the remote.
 *
 * @public
 */
export function createServiceUpdateAction(options: {
  config?: Config;
  integrations: ScmIntegrationRegistry;
  skeletonRoot?: string;
}): TemplateAction<ServiceUpdateInput, ServiceUpdateOutput, 'v2'> {
  const { config, integrations, skeletonRoot } = options;
  return createTemplateAction({
    id: SERVICE_UPDATE_ID,
    description:
      'Updates a generated service to the current skeletons: re-renders its recorded answers and merges three ways (base: the pristine render of the version it records) onto a new branch — locally, or pushed to GitHub/GitLab with a pull/merge request',
    examples,
    supportsDryRun: true,
    schema: {
      // Exactly one of `repository` and `repoUrl`: a union, so the action's JSON Schema says so (anyOf).
      input: z => {
        const common = {
          token: z
            .string({
              description:
                "Token for repoUrl (e.g. the RepoUrlPicker's user token); default: the integration's credentials",
            })
            .optional(),
          branchName: z
            .string({
              description:
                "The branch to create; default 'microservice-update/<version>-<render hash>'",
            })
            .optional(),
          version: z
            .string({
              description:
                'The template version to update to; this package renders only its own version (default)',
            })
            .optional(),
        };
        return z.union([
          z.object({
            repository: z.string({
              description:
                'Embedded mode: a repository in the local publishing directory (microservices.localPublishing.directory), by name, path or file:// URL',
            }),
            repoUrl: z.undefined().optional(),
            ...common,
          }),
          z.object({
            repoUrl: z.string({
              description:
                "A GitHub or GitLab repository in RepoUrlPicker form ('github.com?owner=o&repo=r'); the update is pushed there and proposed as a pull/merge request",
            }),
            repository: z.undefined().optional(),
            ...common,
          }),
        ]);
      },
      output: z =>
        z.object({
          status: z.enum(['up-to-date', 'updated', 'conflicts'], {
            description: 'What the update found',
          }),
          changed: z.boolean({
            description:
              'Whether there is anything to propose (a branch, a pull/merge request)',
          }),
          summary: z.string({ description: 'What happened, for people' }),
          fromVersion: z.string({
            description: 'Version of the base pristine render',
          }),
          toVersion: z.string({ description: 'Version the update brings in' }),
          branchName: z.string({ description: 'The update branch' }).optional(),
          conflicts: z.array(z.string(), {
            description: 'Files that hold conflict markers on the branch',
          }),
          changedFiles: z.array(z.string(), {
            description: 'Files the branch changes against HEAD',
          }),
          baseSource: z.enum(['history', 'tag', 'fallback'], {
            description:
              "Where the base pristine render was found: in HEAD's history, by its tag (after a squash or rebase merge), or a fallback (no render of HEAD's version found)",
          }),
          baseDescription: z.string({
            description: 'Which base, and how it was found',
          }),
          pristineCommit: z
            .string({ description: 'The new pristine-render commit' })
            .optional(),
          pristineTag: z
            .string({ description: 'The tag on the new pristine render' })
            .optional(),
          mergeCommit: z.string({ description: 'The merge commit' }).optional(),
          repoPath: z
            .string({ description: 'Local: the repository path' })
            .optional(),
          remoteUrl: z
            .string({
              description:
                'The repository: file:// URL (local) or its web page (GitHub/GitLab)',
            })
            .optional(),
          pullRequestUrl: z
            .string({ description: 'repoUrl: the pull/merge request opened' })
            .optional(),
          pullRequestNumber: z
            .number({
              description:
                'repoUrl: its number (GitHub) or internal id, iid (GitLab)',
            })
            .optional(),
          title: z.string({ description: 'Pull/merge request title' }),
          description: z.string({
            description: 'Pull/merge request description',
          }),
          commitMessage: z.string({
            description: 'A commit message for the update (squash merges)',
          }),
        }),
    },
    async handler(ctx) {
      const { repository, repoUrl, token } = ctx.input;
      if (Boolean(repository) === Boolean(repoUrl)) {
        throw new InputError(
          'repository, repoUrl: give exactly one — a local repository (embedded mode) or a GitHub/GitLab location',
        );
      }
      if (repository && !localPublishingEnabled(config))
        throw localPublishingOff('repository');
      const branchName = ctx.input.branchName || undefined;
      const version = ctx.input.version || undefined;
      if (version && version !== packageVersion()) {
        throw new InputError(
          `version: this package renders template version ${packageVersion()} only, not '${version}'`,
        );
      }
      const author = commitAuthor(config, ctx.user);
      const emit = (result: UpdateResult) => {
        const text = proposal(result);
        ctx.output('status', result.status);
        ctx.output('changed', result.status !== 'up-to-date');
        ctx.output('summary', result.summary);
        ctx.output('fromVersion', result.fromVersion);
        ctx.output('toVersion', result.toVersion);
        if (result.branchName) ctx.output('branchName', result.branchName);
        ctx.output('conflicts', result.conflicts);
        ctx.output(
          'changedFiles',
          result.changes.map(c => c.path),
        );
        ctx.output('baseSource', result.baseSource);
        ctx.output('baseDescription', result.baseDescription);
        if (result.pristineCommit && !result.dryRun) {
          ctx.output('pristineCommit', result.pristineCommit);
          ctx.output('mergeCommit', result.mergeCommit!);
        }
        if (result.pristineTag) ctx.output('pristineTag', result.pristineTag);
        ctx.output('title', text.title);
        ctx.output('description', text.description);
        ctx.output('commitMessage', text.commitMessage);
        if (result.conflicts.length > 0) {
          ctx.logger.warn(
            `Conflicts in ${
              result.conflicts.length
            } file(s): ${result.conflicts.join(', ')}`,
          );
        }
        if (result.baseSource === 'fallback') {
          ctx.logger.warn(result.baseDescription);
        } else {
          ctx.logger.info(result.baseDescription);
        }
        ctx.logger.info(result.summary);
      };
      // A retried task does not push or propose twice: the result is kept with the task.
      const once = async <T>(key: string, run: () => Promise<T>): Promise<T> =>
        ctx.isDryRun
          ? run()
          : ctx.checkpoint({
              key,
              fn: async () => JSON.parse(JSON.stringify(await run())),
            });

      if (repository) {
        const repoPath = await localRepository(
          repository,
          localReposDirectory(config),
        );
        ctx.logger.info(
          `${
            ctx.isDryRun ? 'Dry run: working out' : 'Updating'
          } ${repoPath} to template version ${packageVersion()}`,
        );
        let result: UpdateResult;
        try {
          result = await once(`microservice.service.update.${repoPath}`, () =>
            updateRepository({
              repoDir: repoPath,
              branchName,
              integrations,
              skeletonRoot,
              dryRun: ctx.isDryRun,
              author,
              logger: ctx.logger,
            }),
          );
        } catch (error) {
          throw error instanceof InputError
            ? new InputError(`repository: ${error.message}`)
            : error;
        }
        emit(result);
        ctx.output('repoPath', repoPath);
        ctx.output('remoteUrl', pathToFileURL(repoPath).href);
        return;
      }

      const location = scmLocation(repoUrl!, integrations);
      ctx.logger.info(
        `${ctx.isDryRun ? 'Dry run: working out' : 'Updating'} ${
          location.owner
        }/${location.repo} on ${
          location.host
        } to template version ${packageVersion()}`,
      );
      const result = await once(
        `microservice.service.update.${location.host}/${location.owner}/${location.repo}`,
        () =>
          updateRemoteRepository({
            repoUrl: repoUrl!,
            integrations,
            token,
            branchName,
            skeletonRoot,
            author,
            dryRun: ctx.isDryRun,
            logger: ctx.logger,
          }),
      );
      emit(result);
      ctx.output('remoteUrl', result.repository.webUrl);
      if (result.pullRequest) {
        ctx.output('pullRequestUrl', result.pullRequest.url);
        ctx.output('pullRequestNumber', result.pullRequest.number);
      }
    },
  });
}
