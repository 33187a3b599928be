/*
 * `yarn service update --repo DIR [--repo DIR …] [--repos-from FILE] [--branch NAME] [--dry-run]`
 *
 * Brings generated repositories to the current skeletons (see updateRepository): per repository, a new branch with
 * the pristine render and the three-way merge, or "already up to date". Repositories are handled one by one; a
 * refusal or failure in one does not stop the others. Exit status: 0 when every repository was updated cleanly or
 * was up to date, 2 when some update has conflicts to resolve (its branch exists), 1 when some repository failed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { callerCwd } from './callerCwd';
import { parseArgs } from 'node:util';
import {
  updateRepository,
  type UpdateResult,
} from '../update/updateRepository';

export interface ServiceUpdateRequest {
  repos: string[];
  branchName?: string;
  dryRun: boolean;
}

const USAGE =
  'usage: yarn service update --repo DIR [--repo DIR …] [--repos-from FILE] [--branch NAME] [--dry-run]';

export function parseServiceArgs(
  argv: string[],
  cwd = callerCwd(),
): ServiceUpdateRequest {
  const [command, ...rest] = argv;
  if (command !== 'update') {
    throw new Error(`unknown command '${command ?? ''}'\n${USAGE}`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      repo: { type: 'string', multiple: true },
      'repos-from': { type: 'string' },
      branch: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    strict: true,
  });
  const repos = [...(values.repo ?? [])];
  if (values['repos-from']) {
    const list = fs.readFileSync(
      path.resolve(cwd, values['repos-from']),
      'utf8',
    );
    repos.push(
      ...list
        .split('\n')
        .map(line => line.replace(/#.*/, '').trim())
        .filter(Boolean),
    );
  }
  if (repos.length === 0) {
    throw new Error(`--repo: required, the repository to update\n${USAGE}`);
  }
  if (values.branch && repos.length > 1) {
    throw new Error('--branch: only with a single --repo');
  }
  return {
    repos: repos.map(repo => path.resolve(cwd, repo)),
    branchName: values.branch,
    dryRun: values['dry-run'] ?? false,
  };
}

function report(result: UpdateResult): string {
  const lines = [`${result.repoDir}: ${result.status} — ${result.summary}`];
  for (const change of result.changes) {
    lines.push(`  ${change.status} ${change.path}`);
  }
  for (const message of result.conflictMessages) lines.push(`  ${message}`);
  return lines.join('\n');
}

/** Runs the command; returns the exit status. `skeletonRoot` is for tests. */
export async function runServiceCommand(
  argv: string[],
  io: {
    out: (text: string) => void;
    err: (text: string) => void;
    cwd?: string;
    skeletonRoot?: string;
  },
): Promise<number> {
  let request: ServiceUpdateRequest;
  try {
    request = parseServiceArgs(argv, io.cwd);
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 1;
  }
  let failed = 0;
  let conflicted = 0;
  for (const repo of request.repos) {
    try {
      const result = await updateRepository({
        repoDir: repo,
        branchName: request.branchName,
        dryRun: request.dryRun,
        skeletonRoot: io.skeletonRoot,
      });
      if (result.status === 'conflicts') conflicted += 1;
      io.out(`${report(result)}\n`);
    } catch (error) {
      failed += 1;
      io.err(`${(error as Error).message}\n`);
    }
  }
  if (request.repos.length > 1) {
    io.out(
      `${request.repos.length} repositories: ${
        request.repos.length - failed - conflicted
      } done, ${conflicted} with conflicts, ${failed} failed\n`,
    );
  }
  if (failed > 0) return 1;
  return conflicted > 0 ? 2 : 0;
}

if (require.main === module) {
  runServiceCommand(process.argv.slice(2), {
    out: text => process.stdout.write(text),
    err: text => process.stderr.write(text),
  }).then(code => process.exit(code));
}
