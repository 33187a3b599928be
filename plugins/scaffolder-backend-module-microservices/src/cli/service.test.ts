import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  commitFiles,
  copySkeletons,
  generateRepository,
  gitIn,
} from '../../testUtils/generatedRepository';
import { startGitServer, type GitServer } from '../../testUtils/gitServer';
import { fakeGitlab } from '../../testUtils/scmApi';
import { parseServiceArgs, runServiceCommand } from './service';

jest.setTimeout(60_000);

describe('yarn service update', () => {
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'service-cli-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const run = async (argv: string[], skeletonRoot?: string) => {
    let out = '';
    let err = '';
    const code = await runServiceCommand(argv, {
      out: t => (out += t),
      err: t => (err += t),
      cwd: work,
      skeletonRoot,
    });
    return { code, out, err };
  };

  it('reads --repo, --repos-from, --branch and --dry-run, relative to the caller', () => {
    fs.writeFileSync(
      path.join(work, 'list.txt'),
      '# services\nrepos/a\n\nrepos/b  # billing\n',
    );
    expect(
      parseServiceArgs(
        ['update', '--repo', 'x', '--repos-from', 'list.txt', '--dry-run'],
        work,
      ),
    ).toEqual({
      repos: [
        { kind: 'local', dir: path.join(work, 'x') },
        { kind: 'local', dir: path.join(work, 'repos/a') },
        { kind: 'local', dir: path.join(work, 'repos/b') },
      ],
      branchName: undefined,
      dryRun: true,
      configFiles: [],
    });
    // URLs are repositories on GitHub/GitLab, in RepoUrlPicker form; --config files resolve like paths.
    expect(
      parseServiceArgs(
        [
          'update',
          '--repo',
          'https://git.acme.internal/platform/services/billing-api.git',
          '--repo',
          'github.com?owner=acme&repo=ledger',
          '--config',
          'ci.yaml',
        ],
        work,
      ),
    ).toMatchObject({
      repos: [
        {
          kind: 'remote',
          repoUrl:
            'git.acme.internal?owner=platform%2Fservices&repo=billing-api',
        },
        { kind: 'remote', repoUrl: 'github.com?owner=acme&repo=ledger' },
      ],
      configFiles: [path.join(work, 'ci.yaml')],
    });
    expect(() =>
      parseServiceArgs(['update', '--repo', 'https://github.com/acme'], work),
    ).toThrow("--repo: 'https://github.com/acme' names no repository");
    expect(() => parseServiceArgs(['update'], work)).toThrow(
      '--repo: required',
    );
    expect(() => parseServiceArgs(['upgrade', '--repo', 'x'], work)).toThrow(
      "unknown command 'upgrade'",
    );
    expect(() =>
      parseServiceArgs(
        ['update', '--repo', 'a', '--repo', 'b', '--branch', 'x'],
        work,
      ),
    ).toThrow('--branch: only with a single --repo');
  });

  it('--help prints the usage with every option; an unknown option prints it with the error', async () => {
    const help = await run(['update', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--repo',
      '--repos-from',
      '--branch',
      '--dry-run',
      '--config',
    ]) {
      expect(help.out).toContain(`  ${option} `);
    }
    const unknown = await run(['update', '--repo', 'x', '--force']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /Unknown option '--force'[\s\S]*usage: yarn service update/,
    );
  });

  it('rolls a template change out across a list: updated, conflicts (exit 2), refused (exit 1)', async () => {
    const skeletons = copySkeletons(work);
    const reposDir = path.join(work, 'repos');
    const clean = await generateRepository({
      reposDir,
      name: 'clean-api',
      skeletonRoot: skeletons,
    });
    const edited = await generateRepository({
      reposDir,
      name: 'edited-api',
      skeletonRoot: skeletons,
    });
    // The team and the template both change the Makefile's first line.
    const makefile = fs.readFileSync(path.join(edited, 'Makefile'), 'utf8');
    const firstLine = (line: string) => makefile.replace(/^.*$/m, line);
    commitFiles(edited, { Makefile: firstLine('# team: pinned') }, 'Pin');
    fs.writeFileSync(
      path.join(skeletons, 'go/Makefile'),
      firstLine('# template: new targets'),
    );
    fs.mkdirSync(path.join(work, 'plain'));

    const first = await run(
      ['update', '--repo', 'repos/clean-api', '--repo', 'repos/edited-api'],
      skeletons,
    );
    expect(first.err).toBe('');
    expect(first.out).toMatch(/clean-api: updated — /);
    expect(first.out).toMatch(/ {2}M Makefile/);
    expect(first.out).toMatch(/edited-api: conflicts — .*Makefile/);
    expect(first.out).toMatch(
      /CONFLICT \(content\): Merge conflict in Makefile/,
    );
    expect(first.out).toMatch(
      /2 repositories: 1 done, 1 with conflicts, 0 failed/,
    );
    expect(first.code).toBe(2);
    expect(gitIn(clean, 'branch', '--list', 'microservice-update/*')).not.toBe(
      '',
    );

    const second = await run(['update', '--repo', 'plain'], skeletons);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(
      /plain: not a git repository; nothing was written/,
    );
  });
});

describe('yarn service update --repo URL', () => {
  let work: string;
  let server: GitServer;
  const gitlab = fakeGitlab();
  const TOKEN = 'glpat-cli-token';

  beforeAll(async () => {
    server = await startGitServer({ token: TOKEN, api: gitlab.api });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'service-cli-remote-'));
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("updates a repository on a self-hosted GitLab with the integration from the backend's config", async () => {
    const skeletons = copySkeletons(work);
    const local = await generateRepository({
      reposDir: path.join(work, 'repos'),
      name: 'billing-api',
      skeletonRoot: skeletons,
    });
    server.createRepository('platform', 'billing-api');
    gitIn(
      local,
      'push',
      '--quiet',
      '--mirror',
      path.join(server.root, 'platform/billing-api.git'),
    );
    fs.appendFileSync(path.join(skeletons, 'go/Makefile'), '\n# new target\n');
    // The backend's config names the GitLab host; its token comes from the environment, as in production.
    const configFile = path.join(work, 'app-config.yaml');
    fs.writeFileSync(
      configFile,
      [
        'integrations:',
        '  gitlab:',
        `    - host: ${server.host}`,
        `      apiBaseUrl: ${server.baseUrl}/api/v4`,
        `      baseUrl: ${server.baseUrl}`,
        '      token: ${CLI_TEST_GITLAB_TOKEN}',
        'scaffolder:',
        '  defaultAuthor:',
        '    name: Platform Bot',
        '    email: platform-bot@example.com',
        '',
      ].join('\n'),
    );
    process.env.CLI_TEST_GITLAB_TOKEN = TOKEN;
    let out = '';
    let err = '';
    try {
      const code = await runServiceCommand(
        [
          'update',
          '--repo',
          `${server.baseUrl}/platform/billing-api`,
          '--config',
          'app-config.yaml',
        ],
        {
          out: t => (out += t),
          err: t => (err += t),
          cwd: work,
          skeletonRoot: skeletons,
        },
      );
      expect(err).toBe('');
      expect(code).toBe(0);
    } finally {
      delete process.env.CLI_TEST_GITLAB_TOKEN;
    }
    expect(out).toContain(
      `${server.baseUrl}/platform/billing-api: updated — Template version`,
    );
    expect(out).toContain(
      `  proposed: ${server.baseUrl}/platform/billing-api/-/merge_requests/1`,
    );
    const branch = gitlab.pullRequests[0].head;
    expect(
      server.git(
        'platform/billing-api.git',
        'log',
        '-1',
        '--format=%an <%ae>',
        branch,
      ),
    ).toBe('Platform Bot <platform-bot@example.com>\n');
    expect(gitlab.violations).toEqual([]);
  });
});
