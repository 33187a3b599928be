/*
 * `yarn service update --repo DIR|URL [--repo …] [--repos-from FILE] [--branch NAME] [--dry-run] [--config FILE …]`
 *
 * Brings generated repositories to the current skeletons (see updateRepository): per repository, a new branch with
 * the pristine render and the three-way merge, or "already up to date". A `--repo` that is a GitHub or GitLab URL
 * (`https://host/owner/repo` or RepoUrlPicker's `host?owner=o&repo=r`) is updated where it lives, as the portal
 * does: cloned with the credentials of the backend's integrations (app-config.yaml, or the --config files), the
 * branch pushed and a pull/merge request opened (see updateRemoteRepository). Repositories are handled one by
 * one; a refusal or failure in one does not stop the others. Exit status: 0 when every repository was updated
 * cleanly or was up to date, 2 when some update has conflicts to resolve (its branch exists), 1 when some
 * repository failed.
 */
import type { Config } from '@backstage/config';
import { findPaths } from '@backstage/cli-common';
import { ConfigSources } from '@backstage/config-loader';
import { ScmIntegrations } from '@backstage/integration';
import fs from 'node:fs';
import path from 'node:path';
import { callerCwd } from './callerCwd';
import { parseArgs } from 'node:util';
import { updateRemoteRepository } from '../update/remoteUpdate';
import {
  updateRepository,
  type UpdateResult,
} from '../update/updateRepository';

/** A repository to update: a local directory, or a location on GitHub/GitLab in RepoUrlPicker form. */
export type RepositoryTarget =
  | { kind: 'local'; dir: string }
  | { kind: 'remote'; repoUrl: string; given: string };

export interface ServiceUpdateRequest {
  repos: RepositoryTarget[];
  branchName?: string;
  dryRun: boolean;
  /** Config files to read the integrations from instead of the repository's app-config.yaml (+ .local). */
  configFiles: string[];
}

const USAGE = `usage: yarn service update --repo DIR|URL [--repo …] [--repos-from FILE] [--branch NAME] [--dry-run] [--config FILE …]

  --repo DIR|URL     a generated repository: a local directory, or a GitHub/GitLab repository as
                     https://host/owner/repo or host?owner=OWNER&repo=REPO (repeatable)
  --repos-from FILE  more --repo values, one per line (# starts a comment)
  --branch NAME      the branch to create (one --repo only); default microservice-update/<version>-<hash>
  --dry-run          work the update out and write or push nothing
  --config FILE      read the SCM integrations for URLs from FILE instead of app-config.yaml and
                     app-config.local.yaml (repeatable; \${VAR} values come from the environment)`;

/** `https://host[:port]/owner/…/repo[.git]` or RepoUrlPicker's `host?owner=o&repo=r`, as RepoUrlPicker form. */
export function remoteRepoUrl(value: string): string | undefined {
  if (/^[^/?]+\?(.*&)?repo=/.test(value)) return value;
  if (!/^https?:\/\//.test(value)) return undefined;
  const url = new URL(value);
  const segments = url.pathname
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (segments.length < 2) {
    throw new Error(
      `--repo: '${value}' names no repository (expected https://host/owner/repo)`,
    );
  }
  const repo = segments.pop()!;
  return `${url.host}?${new URLSearchParams({
    owner: segments.join('/'),
    repo,
  })}`;
}

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
      config: { type: 'string', multiple: true },
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
    repos: repos.map(repo => {
      const repoUrl = remoteRepoUrl(repo);
      return repoUrl
        ? { kind: 'remote' as const, repoUrl, given: repo }
        : { kind: 'local' as const, dir: path.resolve(cwd, repo) };
    }),
    branchName: values.branch,
    dryRun: values['dry-run'] ?? false,
    configFiles: (values.config ?? []).map(file => path.resolve(cwd, file)),
  };
}

/** The backend's config as `yarn start` reads it (or the given files), for its integrations. */
async function loadBackendConfig(configFiles: string[]): Promise<Config> {
  const source = ConfigSources.default({
    rootDir: findPaths(process.cwd()).targetRoot,
    argv: configFiles.flatMap(file => ['--config', file]),
    env: process.env,
  });
  const config = await ConfigSources.toConfig(source);
  config.close();
  return config;
}

function report(
  result: UpdateResult & { pullRequest?: { url: string } },
): string {
  const lines = [`${result.repoDir}: ${result.status} — ${result.summary}`];
  if (result.pullRequest) lines.push(`  proposed: ${result.pullRequest.url}`);
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
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  let request: ServiceUpdateRequest;
  try {
    request = parseServiceArgs(argv, io.cwd);
  } catch (error) {
    const message = (error as Error).message;
    io.err(`${message}${message.includes(USAGE) ? '' : `\n${USAGE}`}\n`);
    return 1;
  }
  let failed = 0;
  let conflicted = 0;
  let config: Config | undefined;
  for (const repo of request.repos) {
    try {
      let result: UpdateResult;
      if (repo.kind === 'local') {
        result = await updateRepository({
          repoDir: repo.dir,
          branchName: request.branchName,
          dryRun: request.dryRun,
          skeletonRoot: io.skeletonRoot,
        });
      } else {
        config ??= await loadBackendConfig(request.configFiles);
        result = await updateRemoteRepository({
          repoUrl: repo.repoUrl,
          integrations: ScmIntegrations.fromConfig(config),
          branchName: request.branchName,
          dryRun: request.dryRun,
          skeletonRoot: io.skeletonRoot,
          author: config.has('scaffolder.defaultAuthor.name')
            ? {
                name: config.getString('scaffolder.defaultAuthor.name'),
                email:
                  config.getOptionalString('scaffolder.defaultAuthor.email') ??
                  'scaffolder@backstage.local',
              }
            : undefined,
        });
      }
      if (result.status === 'conflicts') conflicted += 1;
      io.out(`${report(result)}\n`);
    } catch (error) {
      failed += 1;
      const name = repo.kind === 'local' ? '' : `${repo.given}: `;
      io.err(`${name}${(error as Error).message}\n`);
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
