/*
 * Test helpers for `update`: a repository generated the way the portal generates one (the template's render
 * steps, then microservice:publish:local), a private copy of the skeleton tree to change, and git plumbing.
 */
import { ConfigReader } from '@backstage/config';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPublishLocalAction } from '../src/actions/publishLocal';
import { renderFromTemplate } from '../src/cli/render';
import { defaultSkeletonRoot } from '../src/packageFiles';
import { runAction, silentLogger } from '../src/update/runAction';

/** Runs git in `dir` as a fixed test identity and returns its trimmed stdout. */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: os.tmpdir(),
    },
  }).trim();
}

/** Writes `files` (path → content) into `dir` and commits them with `message`. */
export function commitFiles(
  dir: string,
  files: Record<string, string>,
  message: string,
): string {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  gitIn(dir, 'add', '--all');
  gitIn(dir, 'commit', '--quiet', '-m', message);
  return gitIn(dir, 'rev-parse', 'HEAD');
}

/** Everything `update` could write into a repository: its refs, its objects, its index and its work tree status. */
export function repositoryState(dir: string) {
  return {
    refs: gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    head: gitIn(dir, 'symbolic-ref', '-q', 'HEAD'),
    objects: gitIn(dir, 'count-objects', '-v'),
    status: gitIn(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
  };
}

/** A private copy of the shipped skeleton tree, to change as a platform team would before a release. */
export function copySkeletons(into: string): string {
  const root = path.join(into, 'skeletons');
  fs.cpSync(defaultSkeletonRoot(), root, { recursive: true });
  return root;
}

/**
 * Generates a repository as the portal's Create-component template does with local publishing: its render steps
 * (with the template defaults) into a workspace, then microservice:publish:local into `reposDir`, whose initial
 * commit is marked as the pristine render. Returns the repository's path.
 */
export async function generateRepository(options: {
  reposDir: string;
  name: string;
  stack?: string;
  parameters?: Record<string, unknown>;
  skeletonRoot?: string;
}): Promise<string> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'generate-'));
  try {
    await renderFromTemplate({
      parameters: {
        name: options.name,
        owner: 'group:default/team-a',
        stack: options.stack ?? 'go',
        ...options.parameters,
      },
      out: path.join(workspace, 'out'),
      skeletonRoot: options.skeletonRoot,
      logger: silentLogger,
    });
    const outputs = await runAction(
      createPublishLocalAction({
        config: new ConfigReader({
          microservices: {
            localPublishing: { enabled: true, directory: options.reposDir },
          },
        }),
      }),
      {
        input: { repoName: options.name, sourcePath: 'out' },
        workspacePath: workspace,
        templateRef: 'template:default/microservice',
        taskId: `generate-${options.name}`,
      },
    );
    return outputs.repoPath as string;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}
