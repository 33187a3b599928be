import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import git from 'isomorphic-git';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { examples } from './publishLocal.examples';
import { DNS_LABEL_PATTERN } from '../stacks/names';

export const PUBLISH_LOCAL_ID = 'microservice:publish:local';
export const DEFAULT_REPOS_DIRECTORY = '.data/repos';
const TASK_TRAILER = 'Scaffolder-Task';

/** Where local repositories are created: `microservices.localPublish.directory`, relative to the working directory. */
export function localReposDirectory(config?: Config): string {
  const configured =
    config?.getOptionalString('microservices.localPublish.directory') ??
    DEFAULT_REPOS_DIRECTORY;
  return path.isAbsolute(configured)
    ? configured
    : path.join(process.cwd(), configured);
}

async function headCommit(
  dir: string,
): Promise<{ oid: string; message: string } | undefined> {
  try {
    const oid = await git.resolveRef({ fs, dir, ref: 'HEAD' });
    const { commit } = await git.readCommit({ fs, dir, oid });
    return { oid, message: commit.message };
  } catch {
    return undefined;
  }
}

/**
 * The embedded mode's publisher: turns the workspace (or a sub-path) into a new local git repository with one
 * commit. The repository appears whole or not at all (built beside, then renamed into place).
 *
 * @public
 */
export function createPublishLocalAction(options: { config?: Config } = {}) {
  return createTemplateAction({
    id: PUBLISH_LOCAL_ID,
    description:
      'Publishes the workspace as a new local git repository with one initial commit (the embedded portal has no SCM)',
    examples,
    schema: {
      input: {
        repoName: z =>
          z
            .string({
              description: 'Repository (directory) name, a DNS-1123 label',
            })
            .max(63)
            .regex(new RegExp(DNS_LABEL_PATTERN)),
        sourcePath: z =>
          z
            .string({
              description:
                'Workspace sub-path to publish; default the whole workspace',
            })
            .optional(),
        defaultBranch: z =>
          z.string({ description: "Branch name; default 'main'" }).optional(),
        commitMessage: z =>
          z
            .string({ description: "Commit message; default 'Initial commit'" })
            .optional(),
      },
      output: {
        repoPath: z =>
          z.string({ description: 'Absolute path of the new repository' }),
        remoteUrl: z =>
          z.string({ description: 'file:// URL of the repository' }),
        repoContentsUrl: z =>
          z.string({ description: 'file:// URL of the repository contents' }),
        commitHash: z => z.string({ description: 'The initial commit' }),
      },
    },
    async handler(ctx) {
      const { repoName } = ctx.input;
      if (
        !new RegExp(DNS_LABEL_PATTERN).test(repoName ?? '') ||
        repoName.length > 63
      ) {
        throw new InputError(`repoName: '${repoName}' is not a DNS-1123 label`);
      }
      const defaultBranch = ctx.input.defaultBranch ?? 'main';
      const message = ctx.input.commitMessage ?? 'Initial commit';
      const source = resolveSafeChildPath(
        ctx.workspacePath,
        ctx.input.sourcePath ?? '.',
      );
      const reposDir = localReposDirectory(options.config);
      const repoPath = resolveSafeChildPath(reposDir, repoName);
      const author = {
        name:
          ctx.user?.entity?.spec?.profile?.displayName ??
          ctx.user?.ref ??
          'Scaffolder',
        email:
          ctx.user?.entity?.spec?.profile?.email ??
          'scaffolder@backstage.local',
      };
      ctx.logger.info(
        `Publishing '${
          ctx.input.sourcePath ?? '.'
        }' as local repository ${repoPath}`,
      );

      const result = await ctx.checkpoint({
        key: `microservice.publish.local.${repoName}`,
        fn: async () => {
          const existing = await headCommit(repoPath);
          if (fs.existsSync(repoPath)) {
            // A retry of this same task after the rename but before the checkpoint was stored.
            if (existing?.message.includes(`${TASK_TRAILER}: ${ctx.task.id}`)) {
              return { commitHash: existing.oid };
            }
            throw new InputError(
              `repoName: a repository named '${repoName}' already exists at ${repoPath}; choose another name`,
            );
          }
          await fsp.mkdir(reposDir, { recursive: true });
          const staging = await fsp.mkdtemp(
            path.join(reposDir, `.${repoName}-`),
          );
          try {
            await fsp.cp(source, staging, {
              recursive: true,
              filter: src => path.basename(src) !== '.git',
            });
            await git.init({ fs, dir: staging, defaultBranch });
            // Adds the whole tree, honouring the generated repository's own .gitignore.
            await git.add({ fs, dir: staging, filepath: '.' });
            const commitHash = await git.commit({
              fs,
              dir: staging,
              message: `${message}\n\n${TASK_TRAILER}: ${ctx.task.id}\n`,
              author,
            });
            await fsp.rename(staging, repoPath).catch(error => {
              throw error.code === 'ENOTEMPTY' || error.code === 'EEXIST'
                ? new InputError(
                    `repoName: a repository named '${repoName}' already exists at ${repoPath}`,
                  )
                : error;
            });
            return { commitHash };
          } catch (error) {
            await fsp.rm(staging, { recursive: true, force: true });
            throw error;
          }
        },
      });

      const url = pathToFileURL(repoPath).href;
      ctx.output('repoPath', repoPath);
      ctx.output('remoteUrl', url);
      ctx.output('repoContentsUrl', `${url}/`);
      ctx.output('commitHash', result.commitHash);
    },
  });
}
