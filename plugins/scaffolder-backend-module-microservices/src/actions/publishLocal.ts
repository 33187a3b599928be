import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import git from 'isomorphic-git';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  initialCommitMessage,
  PRISTINE_RENDER_TRAILER,
  readAnswersFile,
  TASK_TRAILER,
} from '../answers';
import { withDefault } from './inputProperties';
import { commitAuthor } from './commitAuthor';
import { examples } from './publishLocal.examples';
import { DNS_LABEL_PATTERN } from '../stacks/names';
import { git as runGit, gitInitialCommit } from '../update/git';

export const PUBLISH_LOCAL_ID = 'microservice:publish:local';
export const DEFAULT_REPOS_DIRECTORY = '.data/repos';
const DEFAULT_BRANCH = 'main';
const DEFAULT_COMMIT_MESSAGE = 'Initial commit';

/**
 * Whether this backend publishes to and reads from its own disk (`microservices.localPublishing.enabled`, off
 * unless set): `microservice:publish:local`, the file:// reader for what it publishes, registering such a file
 * and `service update` of such a repository. The embedded portal turns it on; production leaves it off.
 */
export function localPublishingEnabled(config?: Config): boolean {
  return (
    config?.getOptionalBoolean('microservices.localPublishing.enabled') ?? false
  );
}

/** Why a local-publishing input is refused when local publishing is off, naming the input. */
export function localPublishingOff(field: string): InputError {
  return new InputError(
    `${field}: local repositories are off on this backend (microservices.localPublishing.enabled is not true); use a repository on a configured SCM integration`,
  );
}

/** Where local repositories are created: `microservices.localPublishing.directory`, relative to the working directory. */
export function localReposDirectory(config?: Config): string {
  const configured =
    config?.getOptionalString('microservices.localPublishing.directory') ??
    DEFAULT_REPOS_DIRECTORY;
  return path.isAbsolute(configured)
    ? configured
    : path.join(process.cwd(), configured);
}

/**
 * The files `git add .` would stage from `dir`, for a dry run: everything but `.git`, honouring the tree's own
 * `.gitignore` files as isomorphic-git reads them (a real run commits with the git CLI, which reads the skeletons'
 * simple patterns the same way; the publish tests compare the two). Sorted, POSIX paths.
 */
async function filesToCommit(dir: string, rel = ''): Promise<string[]> {
  const entries = await fsp.readdir(path.join(dir, rel), {
    withFileTypes: true,
  });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const filepath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.name === '.git' || (await git.isIgnored({ fs, dir, filepath })))
      continue;
    if (entry.isDirectory())
      files.push(...(await filesToCommit(dir, filepath)));
    else files.push(filepath);
  }
  return files;
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
 * Input of `microservice:publish:local`; optional fields get the defaults its schema declares.
 *
 * @public
 */
export type PublishLocalInput = {
  repoName: string;
  sourcePath?: string;
  defaultBranch?: string;
  commitMessage?: string;
};

/**
 * Output of `microservice:publish:local`; a dry run reports where the repository would be, and no commit.
 *
 * @public
 */
export type PublishLocalOutput = {
  repoPath: string;
  remoteUrl: string;
  repoContentsUrl: string;
  files: string[];
  commitHash?: string;
  pristineRenderVersion?: string;
};

/**
 * The template version whose pristine render the published tree is: the version in its answers file. A tree
 * without one is published unmarked; a broken one too, with a warning (publishing does not judge the content).
 */
async function pristineRenderVersion(
  source: string,
  warn: (message: string) => void,
): Promise<string | undefined> {
  try {
    return (await readAnswersFile(source))?.packageVersion;
  } catch (error) {
    warn(
      `Not marking the commit as a pristine render: ${
        (error as Error).message
      }`,
    );
    return undefined;
  }
}

/**
 * The embedded mode's publisher: turns the workspace (or a sub-path) into a new local git repository with one
 * commit. The repository appears whole or not at all (built beside, then renamed into place). A dry run
 * reports what it would publish and where, and creates nothing.
 *
 * @public
 */
export function createPublishLocalAction(
  options: { config?: Config } = {},
): TemplateAction<PublishLocalInput, PublishLocalOutput, 'v2'> {
  return createTemplateAction({
    id: PUBLISH_LOCAL_ID,
    description:
      "Publishes the workspace as a new local git repository with one initial commit (the embedded portal has no SCM); a rendered service's commit is marked as its pristine render",
    examples,
    supportsDryRun: true,
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
          withDefault(
            z.string({
              description: "Workspace sub-path to publish ('.' is all of it)",
            }),
            '.',
          ),
        defaultBranch: z =>
          withDefault(z.string({ description: 'Branch name' }), DEFAULT_BRANCH),
        commitMessage: z =>
          withDefault(
            z.string({ description: 'Commit message' }),
            DEFAULT_COMMIT_MESSAGE,
          ),
      },
      output: {
        repoPath: z =>
          z.string({ description: 'Absolute path of the new repository' }),
        remoteUrl: z =>
          z.string({ description: 'file:// URL of the repository' }),
        repoContentsUrl: z =>
          z.string({ description: 'file:// URL of the repository contents' }),
        files: z =>
          z.array(z.string(), {
            description: 'The committed files, relative to the repository',
          }),
        commitHash: z =>
          z
            .string({ description: 'The initial commit; none in a dry run' })
            .optional(),
        pristineRenderVersion: z =>
          z
            .string({
              description: `The template version the initial commit is marked (trailer ${PRISTINE_RENDER_TRAILER}) as the pristine render of; absent when the tree has no .microservice/answers.yaml`,
            })
            .optional(),
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
      const defaultBranch = ctx.input.defaultBranch ?? DEFAULT_BRANCH;
      const message = ctx.input.commitMessage ?? DEFAULT_COMMIT_MESSAGE;
      const source = resolveSafeChildPath(
        ctx.workspacePath,
        ctx.input.sourcePath ?? '.',
      );
      const reposDir = localReposDirectory(options.config);
      const repoPath = resolveSafeChildPath(reposDir, repoName);
      const author = commitAuthor(options.config, ctx.user);
      const url = pathToFileURL(repoPath).href;
      if (!fs.existsSync(source)) {
        throw new InputError(
          `sourcePath: '${ctx.input.sourcePath}' does not exist in the workspace`,
        );
      }

      const pristine = await pristineRenderVersion(source, m =>
        ctx.logger.warn(m),
      );
      if (ctx.isDryRun) {
        if (fs.existsSync(repoPath)) {
          throw new InputError(
            `repoName: a repository named '${repoName}' already exists in the local publishing directory; choose another name`,
          );
        }
        const files = (await filesToCommit(source)).sort((a, b) =>
          a < b ? -1 : 1,
        );
        ctx.logger.info(
          `Dry run: would publish ${files.length} files from '${
            ctx.input.sourcePath ?? '.'
          }' as local repository ${repoPath} (branch ${defaultBranch})${
            pristine
              ? `, its commit marked as the pristine render of ${pristine}`
              : ''
          }; nothing was created`,
        );
        ctx.output('repoPath', repoPath);
        ctx.output('remoteUrl', url);
        ctx.output('repoContentsUrl', `${url}/`);
        ctx.output('files', files);
        if (pristine) ctx.output('pristineRenderVersion', pristine);
        return;
      }

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
              `repoName: a repository named '${repoName}' already exists in the local publishing directory; choose another name`,
            );
          }
          await fsp.mkdir(reposDir, { recursive: true });
          const staging = await fsp.mkdtemp(
            path.join(reposDir, `.${repoName}-`),
          );
          try {
            // The workspace's files without any .git, committed with the git CLI — not isomorphic-git, whose
            // hashing and compressing in JavaScript blocks the backend's event loop for about 100 ms a task, which
            // many tasks at once (a bulk update) queue behind.
            const { commit: commitHash, files } = await gitInitialCommit({
              cwd: staging,
              from: source,
              branch: defaultBranch,
              message: initialCommitMessage({
                subject: message,
                taskId: ctx.task.id,
                pristineRenderVersion: pristine,
              }),
              env: {
                GIT_AUTHOR_NAME: author.name,
                GIT_AUTHOR_EMAIL: author.email,
                GIT_COMMITTER_NAME: author.name,
                GIT_COMMITTER_EMAIL: author.email,
              },
            });
            await fsp.rename(staging, repoPath).catch(error => {
              throw error.code === 'ENOTEMPTY' || error.code === 'EEXIST'
                ? new InputError(
                    `repoName: a repository named '${repoName}' already exists in the local publishing directory`,
                  )
                : error;
            });
            return { commitHash, files };
          } catch (error) {
            await fsp.rm(staging, { recursive: true, force: true });
            throw error;
          }
        },
      });

      ctx.output('repoPath', repoPath);
      ctx.output('remoteUrl', url);
      ctx.output('repoContentsUrl', `${url}/`);
      // A retry that found its repository already published lists it again.
      ctx.output(
        'files',
        result.files ??
          (await runGit(['ls-files', '-z'], { cwd: repoPath })).stdout
            .split('\0')
            .filter(Boolean),
      );
      ctx.output('commitHash', result.commitHash);
      if (pristine) ctx.output('pristineRenderVersion', pristine);
    },
  });
}
