import { ConfigReader } from '@backstage/config';
import {
  ScmIntegrations,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copySkeletons } from '../../testUtils/generatedRepository';
import { startGitServer, type GitServer } from '../../testUtils/gitServer';
import {
  fakeGithub,
  fakeGitlab,
  type FakeScm,
  scmIntegrationsConfig,
  type FakeScmOptions,
} from '../../testUtils/scmApi';
import {
  createAndPublishActions,
  runTemplate,
} from '../../testUtils/templateRun';
import { createServiceUpdateAction } from '../actions/serviceUpdate';
import { ANSWERS_FILE, PRISTINE_RENDER_TRAILER } from '../answers';
import { knownVersions, packageVersion } from '../packageFiles';
import { updateRemoteRepository } from './remoteUpdate';
import { listUpdateProposals } from './updateProposals';

// Three releases of this package: the one that creates the service and two that change its skeletons.
jest.mock('../packageFiles', () => {
  const actual = jest.requireActual('../packageFiles');
  return {
    ...actual,
    packageVersion: jest.fn(),
    knownVersions: jest.fn(),
  };
});
const RELEASES = ['1.0.0', '1.1.0', '1.2.0'];
const release = (version: string) => {
  jest.mocked(packageVersion).mockReturnValue(version);
  jest.mocked(knownVersions).mockReturnValue(RELEASES);
};

jest.setTimeout(120_000);

const TOKEN = 'glpat-write-token-for-the-local-git-server';
const READ_ONLY = 'read-only-token';
const NO_PROPOSALS = 'push-but-no-proposals-token';
const APP_TOKEN = 'ghs_installation-token-of-a-github-app';
const NOTE = 'Makefile';

type Provider = 'github' | 'gitlab';

/** A service created through the template on a provider, and what the test needs to update it. */
interface World {
  server: GitServer;
  fake: FakeScm;
  fakeOptions: FakeScmOptions;
  provider: Provider;
  integrations: ScmIntegrationRegistry;
  config: ConfigReader;
  skeletons: string;
  work: string;
  name: string;
  repoUrl: string;
  repository: string;
}

const worlds: World[] = [];

async function createService(provider: Provider, name: string) {
  const fakeOptions: FakeScmOptions = {
    readOnlyTokens: [READ_ONLY],
    noProposalTokens: [NO_PROPOSALS],
    appTokens: [APP_TOKEN],
  };
  const fake =
    provider === 'github' ? fakeGithub(fakeOptions) : fakeGitlab(fakeOptions);
  const server = await startGitServer({
    token: TOKEN,
    tokens: {
      [READ_ONLY]: 'read',
      [NO_PROPOSALS]: 'write',
      [APP_TOKEN]: 'write',
    },
    api: fake.api,
  });
  const config = new ConfigReader({
    integrations: scmIntegrationsConfig(provider, server, TOKEN),
  });
  const integrations = ScmIntegrations.fromConfig(config);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-update-'));
  const skeletons = copySkeletons(work);
  const repoUrl = `${server.host}?owner=acme&repo=${name}`;
  const world: World = {
    server,
    fake,
    fakeOptions,
    provider,
    integrations,
    config,
    skeletons,
    work,
    name,
    repoUrl,
    repository: `acme/${name}.git`,
  };
  worlds.push(world);

  release(RELEASES[0]);
  const workspacePath = fs.mkdtempSync(path.join(work, 'create-'));
  const { ran } = await runTemplate({
    template: 'microservice',
    parameters: {
      stack: 'dotnet',
      name,
      description: 'Bills customers',
      owner: 'group:default/team-a',
      publish: provider,
      repoUrl,
      ci: provider,
    },
    actions: createAndPublishActions({
      integrations,
      config,
      skeletonRoot: skeletons,
    }),
    workspacePath,
    skipSteps: ['register-github', 'register-gitlab'],
  });
  expect(ran).toEqual(['service', 'deploy', `publish-${provider}`]);
  return world;
}

afterAll(async () => {
  for (const world of worlds) {
    await world.server.stop();
    fs.rmSync(world.work, { recursive: true, force: true });
  }
});

/** A release's skeleton change: one line of the .NET Makefile, the same line each time. */
function changeSkeleton(world: World, version: string) {
  const file = path.join(world.skeletons, 'dotnet/Makefile.njk');
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/\n# Platform release: .*\n$/, '\n');
  fs.writeFileSync(file, `${text}# Platform release: ${version}\n`);
}

/** A commit by the service's team on the default branch, made in a clone of the bare repository. */
function teamCommit(
  world: World,
  file: string,
  change: (t: string) => string | null,
) {
  const dir = fs.mkdtempSync(path.join(world.work, 'team-'));
  const bare = path.join(world.server.root, world.repository);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  execFileSync('git', ['clone', '--quiet', bare, dir]);
  const full = path.join(dir, file);
  const changed = change(
    fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : '',
  );
  if (changed === null) fs.rmSync(full);
  else fs.writeFileSync(full, changed);
  git('add', '--all');
  git(
    '-c',
    'user.name=Team A',
    '-c',
    'user.email=team-a@example.com',
    'commit',
    '--quiet',
    '-m',
    `Team change to ${file}`,
  );
  git('push', '--quiet', 'origin', 'main');
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs the update template's steps, as the portal does, for the world's repository. */
async function updateThroughTemplate(world: World, secrets = {}) {
  const workspacePath = fs.mkdtempSync(path.join(world.work, 'update-'));
  const { steps } = await runTemplate({
    template: 'update',
    parameters: { location: world.provider, repoUrl: world.repoUrl },
    secrets,
    actions: {
      'microservice:service:update': createServiceUpdateAction({
        config: world.config,
        integrations: world.integrations,
        skeletonRoot: world.skeletons,
      }),
    },
    workspacePath,
  });
  return steps.update.output;
}

/** "Merges" the pull/merge request on the server the way the provider's button does. */
function mergeOnServer(
  world: World,
  branch: string,
  strategy: 'merge' | 'squash' | 'rebase',
) {
  const git = (...args: string[]) =>
    world.server.git(world.repository, ...args).trim();
  const tip = git('rev-parse', `refs/heads/${branch}`);
  const tree = git('rev-parse', `${tip}^{tree}`);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Provider',
    GIT_AUTHOR_EMAIL: 'noreply@example.com',
    GIT_COMMITTER_NAME: 'Provider',
    GIT_COMMITTER_EMAIL: 'noreply@example.com',
  };
  const commitTree = (message: string, ...parents: string[]) =>
    execFileSync(
      'git',
      [
        '-C',
        path.join(world.server.root, world.repository),
        'commit-tree',
        tree,
        ...parents.flatMap(p => ['-p', p]),
        '-m',
        message,
      ],
      { encoding: 'utf8', env },
    ).trim();
  let merged: string;
  if (strategy === 'merge') {
    merged = commitTree(`Merge ${branch}`, 'main', tip);
  } else if (strategy === 'squash') {
    // One commit, the request's title only: no trailer survives.
    merged = commitTree('Update to template version 1.1.0 (#1)', 'main');
  } else {
    // A rebase drops the merge commit and replays the pristine render onto main: a commit with the
    // pristine render's message and trailer whose tree is main's with the template's change.
    merged = commitTree(git('log', '-1', '--format=%B', `${tip}^2`), 'main');
  }
  git('update-ref', 'refs/heads/main', merged);
  // The provider deletes the merged branch.
  git('update-ref', '-d', `refs/heads/${branch}`);
}

describe.each(['github', 'gitlab'] as const)(
  'updates on %s through the update template',
  provider => {
    it.each(['merge', 'squash', 'rebase'] as const)(
      'create → update → %s-merge → update again: only the new template change, no spurious conflict',
      async strategy => {
        const world = await createService(provider, `billing-${strategy}`);
        const { server, fake } = world;
        const git = (...args: string[]) =>
          server.git(world.repository, ...args).trim();
        teamCommit(world, 'README.md', t => `${t}\nOwned by team A.\n`);

        // Release 1.1.0 changes a line of the Makefile; the update is pushed and proposed.
        release(RELEASES[1]);
        changeSkeleton(world, '1.1.0');
        const first = await updateThroughTemplate(world);
        expect(first).toMatchObject({
          status: 'updated',
          fromVersion: '1.0.0',
          toVersion: '1.1.0',
          baseSource: 'history',
          conflicts: [],
        });
        // The template's change, and the version the answers file and the catalog annotation record.
        expect(first.changedFiles.sort()).toEqual(
          [ANSWERS_FILE, 'catalog-info.yaml', NOTE].sort(),
        );
        const branch = first.branchName;
        // The branch on the server: the merge of main and the pristine render, whose parent is the first commit.
        const mergeCommit = git('rev-parse', `refs/heads/${branch}`);
        expect(mergeCommit).toBe(first.mergeCommit);
        expect(git('rev-parse', `${mergeCommit}^1`)).toBe(
          git('rev-parse', 'main'),
        );
        expect(git('rev-parse', `${mergeCommit}^2`)).toBe(first.pristineCommit);
        expect(git('rev-parse', `${first.pristineCommit}^`)).toBe(
          git('rev-list', '--max-parents=0', 'main'),
        );
        expect(
          git('rev-parse', `refs/tags/${first.pristineTag}^{commit}`),
        ).toBe(first.pristineCommit);
        // The request: opened from that branch into main, through the provider's API.
        expect(fake.pullRequests).toEqual([
          expect.objectContaining({
            number: 1,
            head: branch,
            base: 'main',
            title: 'Update to template version 1.1.0 (from 1.0.0)',
          }),
        ]);
        expect(first.pullRequestUrl).toBe(
          provider === 'github'
            ? `${server.baseUrl}/acme/${world.name}/pull/1`
            : `${server.baseUrl}/acme/${world.name}/-/merge_requests/1`,
        );
        expect(fake.violations).toEqual([]);
        // What the fleet page shows for this repository: the request, open, then as the provider reports it.
        const proposals = () =>
          listUpdateProposals({
            target: { location: provider, repoUrl: world.repoUrl },
            config: world.config,
            integrations: world.integrations,
          });
        expect(await proposals()).toEqual([
          {
            branch,
            state: 'open',
            number: 1,
            url: first.pullRequestUrl,
            title: 'Update to template version 1.1.0 (from 1.0.0)',
          },
        ]);

        mergeOnServer(world, branch, strategy);
        fake.pullRequests[0].state = 'merged';
        teamCommit(world, 'README.md', t => `${t}\nOn call: team A.\n`);
        // After a rebase, main holds a commit carrying the trailer whose tree is not a pristine render.
        expect(
          git(
            'log',
            '-1',
            `--format=%(trailers:key=${PRISTINE_RENDER_TRAILER},valueonly)`,
            'main~1',
          ),
        ).toBe(strategy === 'rebase' ? '1.1.0' : '');

        // Release 1.2.0 changes the same line again.
        release(RELEASES[2]);
        changeSkeleton(world, '1.2.0');
        const second = await updateThroughTemplate(world);
        expect(second).toMatchObject({
          status: 'updated',
          fromVersion: '1.1.0',
          toVersion: '1.2.0',
          conflicts: [],
          baseSource: strategy === 'merge' ? 'history' : 'tag',
        });
        expect(second.baseDescription).toContain(
          strategy === 'merge'
            ? `(version 1.1.0) in the history of main`
            : `found by its tag ${first.pristineTag}`,
        );
        expect(second.changedFiles.sort()).toEqual(
          [ANSWERS_FILE, 'catalog-info.yaml', NOTE].sort(),
        );
        const proposed = second.branchName;
        const makefile = git('show', `refs/heads/${proposed}:${NOTE}`);
        expect(makefile).toMatch(/# Platform release: 1\.2\.0$/);
        expect(makefile).not.toContain('1.1.0');
        expect(makefile).not.toContain('<<<<<<<');
        const readme = git('show', `refs/heads/${proposed}:README.md`);
        expect(readme).toContain('Owned by team A.');
        expect(readme).toContain('On call: team A.');
        expect(fake.pullRequests).toHaveLength(2);
        expect(
          (await proposals()).map(p => [p.number, p.branch, p.state]),
        ).toEqual([
          [2, proposed, 'open'],
          [1, branch, 'merged'],
        ]);
        expect(fake.violations).toEqual([]);
        // The integration's token, as each provider's client sends it (GitLab: a personal/project token header).
        expect(
          new Set(
            server.apiRequests
              .filter(r => /\/(pulls|merge_requests)$/.test(r.path))
              .map(r => `${r.scheme} ${r.token}`),
          ),
        ).toEqual(
          new Set([
            `${provider === 'github' ? 'token' : 'private-token'} ${TOKEN}`,
          ]),
        );
        // Backstage's publish:github sends one field GitHub's description of "create an organization
        // repository" does not list (GitHub ignores it); the update's own requests send none.
        expect(fake.undocumented).toEqual(
          provider === 'github'
            ? ["POST /orgs/acme/repos: body field 'allow_update_branch'"]
            : [],
        );

        // The tag is what makes squash and rebase work: without it their base is the first render, and the
        // same line conflicts; a merge commit keeps the render in the history.
        git('update-ref', '-d', `refs/tags/${first.pristineTag}`);
        git('update-ref', '-d', `refs/tags/${second.pristineTag}`);
        git('update-ref', '-d', `refs/heads/${proposed}`);
        const untagged = await updateRemoteRepository({
          repoUrl: world.repoUrl,
          integrations: world.integrations,
          skeletonRoot: world.skeletons,
          dryRun: true,
        });
        expect({
          status: untagged.status,
          fromVersion: untagged.fromVersion,
          baseSource: untagged.baseSource,
          conflicts: untagged.conflicts.sort(),
        }).toEqual(
          strategy === 'merge'
            ? {
                status: 'updated',
                fromVersion: '1.1.0',
                baseSource: 'history',
                conflicts: [],
              }
            : {
                status: 'conflicts',
                fromVersion: '1.0.0',
                baseSource: 'fallback',
                conflicts: [ANSWERS_FILE, 'catalog-info.yaml', NOTE].sort(),
              },
        );
      },
    );
  },
);

/** A service on the provider with release 1.1.0's skeleton change waiting: for the tests that refuse an update. */
function refusalsOn(provider: Provider, name: string) {
  const state: { world?: World } = {};
  beforeAll(async () => {
    state.world = await createService(provider, name);
    release(RELEASES[1]);
    changeSkeleton(state.world, '1.1.0');
  });
  const world = () => state.world!;
  return {
    world,
    /** The bare repository's refs: what a refusal must leave as it was. */
    refs: () =>
      world()
        .server.git(world().repository, 'for-each-ref', '--format=%(refname)')
        .trim()
        .split('\n')
        .sort(),
    update: (
      options: { token?: string; branchName?: string; repoUrl?: string } = {},
    ) =>
      updateRemoteRepository({
        repoUrl: world().repoUrl,
        integrations: world().integrations,
        skeletonRoot: world().skeletons,
        ...options,
      }),
  };
}

describe('remote updates refuse, and push nothing half-way', () => {
  const { world, refs, update } = refusalsOn('github', 'refusals-api');

  it('a token that can read but not push', async () => {
    const before = refs();
    await expect(update({ token: READ_ONLY })).rejects.toThrow(
      'repoUrl: the token can read acme/refusals-api but not push to it (it needs write access to the repository contents); nothing was pushed',
    );
    expect(refs()).toEqual(before);
  });

  it('a token the provider does not accept', async () => {
    await expect(update({ token: 'unknown' })).rejects.toThrow(
      /^repoUrl: 127\.0\.0\.1:\d+ refused the user's token \(401 Bad credentials/,
    );
  });

  it('a remote that rejects the push (protected branch): nothing pushed, nothing proposed', async () => {
    const before = refs();
    const hook = path.join(
      world().server.root,
      world().repository,
      'hooks/pre-receive',
    );
    world().server.refusePushes(
      world().repository,
      'GH006: Protected branch update failed for refs/heads/microservice-update/*.',
    );
    // The message quotes git, but never the token (nor its Basic encoding).
    const message = await update().then(
      () => '',
      (error: Error) => error.message,
    );
    fs.rmSync(hook);
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain(
      Buffer.from(`x-access-token:${TOKEN}`).toString('base64'),
    );
    expect(message).toMatch(
      /^acme\/refusals-api: the remote refused the push of branch microservice-update\/1\.1\.0-[0-9a-f]{7} and tag microservice\/pristine\/1\.1\.0-[0-9a-f]{7} — .*GH006: Protected branch update failed.*Nothing was pushed \(the push is atomic\)/,
    );
    expect(refs()).toEqual(before);
    expect(world().fake.pullRequests).toEqual([]);
  });

  it('a token that may push but not open pull requests: the pushed branch and tag are deleted again', async () => {
    const before = refs();
    await expect(update({ token: NO_PROPOSALS })).rejects.toThrow(
      /^acme\/refusals-api: could not open the pull request from microservice-update\/1\.1\.0-\w+ into main \(403 Resource not accessible by integration\) — the token may push but not open pull requests \(it needs pull-requests: write\); the branch microservice-update\/1\.1\.0-\w+ and the tag microservice\/pristine\/1\.1\.0-\w+ were deleted again$/,
    );
    expect(refs()).toEqual(before);
    expect(world().fake.pullRequests).toEqual([]);
  });

  it('an update branch that already exists on the remote', async () => {
    world().server.git(
      world().repository,
      'update-ref',
      'refs/heads/microservice-update/open',
      'main',
    );
    const before = refs();
    await expect(
      update({ branchName: 'microservice-update/open' }),
    ).rejects.toThrow(
      "branchName: 'microservice-update/open' already exists on acme/refusals-api (an earlier update's pull request?); merge or delete it, or choose another branch name; nothing was pushed",
    );
    expect(refs()).toEqual(before);
    world().server.git(
      world().repository,
      'update-ref',
      '-d',
      'refs/heads/microservice-update/open',
    );
  });

  it.each([
    [
      'hand-edited into something invalid',
      () => 'packageVersion: [not, a, version]\n',
      /^acme\/refusals-api \(main\): answers: .*; nothing was written$/,
    ],
    [
      'deleted',
      () => null,
      /^acme\/refusals-api \(main\): no answers file \(\.microservice\/answers\.yaml\) at HEAD: .*; nothing was written$/,
    ],
  ])('an answers file %s', async (_, change, message) => {
    const before = refs();
    teamCommit(world(), ANSWERS_FILE, change);
    await expect(update()).rejects.toThrow(message);
    world().server.git(
      world().repository,
      'update-ref',
      'refs/heads/main',
      'main~1',
    );
    expect(refs()).toEqual(before);
  });

  it('dry run through the action: works the update out and pushes nothing', async () => {
    const before = refs();
    const ctx = {
      ...createMockActionContext({
        input: { repoUrl: world().repoUrl },
        workspacePath: fs.mkdtempSync(path.join(world().work, 'dry-')),
      }),
      isDryRun: true,
    };
    await createServiceUpdateAction({
      config: world().config,
      integrations: world().integrations,
      skeletonRoot: world().skeletons,
    }).handler(ctx as any);
    const outputs = Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    );
    expect(outputs).toMatchObject({
      status: 'updated',
      changed: true,
      fromVersion: '1.0.0',
      toVersion: '1.1.0',
      remoteUrl: `${world().server.baseUrl}/acme/refusals-api`,
    });
    expect(outputs.summary).toContain('would create branch');
    expect(outputs.pullRequestUrl).toBeUndefined();
    expect(refs()).toEqual(before);
    expect(world().fake.pullRequests).toEqual([]);
  });

  it('a GitHub Enterprise integration without apiBaseUrl: the token never goes to api.github.com', async () => {
    const enterprise = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          github: [{ host: 'github.acme.internal', token: TOKEN }],
        },
      }),
    );
    await expect(
      updateRemoteRepository({
        repoUrl: 'github.acme.internal?owner=acme&repo=refusals-api',
        integrations: enterprise,
      }),
    ).rejects.toThrow(
      'repoUrl: the GitHub integration for github.acme.internal has no apiBaseUrl (integrations.github[].apiBaseUrl, e.g. https://github.acme.internal/api/v3)',
    );
  });

  it('a clone URL on another host or over plain http elsewhere: the token is not sent there', async () => {
    world().fakeOptions.cloneOrigin = 'http://mirror.example.com';
    try {
      await expect(update()).rejects.toThrow(
        `repoUrl: ${
          world().server.host
        } gave the clone URL http://mirror.example.com/acme/refusals-api.git, which is neither https on ${
          world().server.host
        } nor the origin of its API (${
          world().server.baseUrl
        }); refusing to send the token there`,
      );
    } finally {
      delete world().fakeOptions.cloneOrigin;
    }
  });

  it("then succeeds with the integration's GitHub App token, which GitHub reports as push: false", async () => {
    const before = refs();
    const appIntegrations = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: scmIntegrationsConfig(
          'github',
          world().server,
          APP_TOKEN,
        ),
      }),
    );
    const result = await updateRemoteRepository({
      repoUrl: world().repoUrl,
      integrations: appIntegrations,
      skeletonRoot: world().skeletons,
    });
    expect(result.pullRequest?.number).toBe(1);
    expect(world().fake.pullRequests[0]).toMatchObject({
      token: APP_TOKEN,
      head: result.branchName,
    });
    expect(world().fake.pullRequests[0].body).toContain(
      'Template version 1.0.0 → 1.1.0',
    );
    expect(refs()).toEqual(
      [
        ...before,
        `refs/heads/${result.branchName}`,
        `refs/tags/${result.pristineTag}`,
      ].sort(),
    );
    expect(world().fake.violations).toEqual([]);
  });
});

describe("remote updates on GitLab refuse with GitLab's answers, and push nothing half-way", () => {
  const { world, refs, update } = refusalsOn('gitlab', 'gitlab-refusals');

  it('a token GitLab does not accept, a project it does not know, a Reporter', async () => {
    const before = refs();
    await expect(update({ token: 'unknown' })).rejects.toThrow(
      /^repoUrl: 127\.0\.0\.1:\d+ refused the user's token \(401 /,
    );
    await expect(
      update({ repoUrl: `${world().server.host}?owner=acme&repo=missing` }),
    ).rejects.toThrow(
      /^repoUrl: acme\/missing on 127\.0\.0\.1:\d+ does not exist or this token cannot read it \(404 /,
    );
    await expect(update({ token: READ_ONLY })).rejects.toThrow(
      'repoUrl: the token can read acme/gitlab-refusals but not push to it (it needs the Developer role or higher); nothing was pushed',
    );
    expect(refs()).toEqual(before);
  });

  it('a token that may push but not open merge requests: the pushed branch and tag are deleted again', async () => {
    const before = refs();
    await expect(update({ token: NO_PROPOSALS })).rejects.toThrow(
      /^acme\/gitlab-refusals: could not open the merge request from microservice-update\/1\.1\.0-\w+ into main \(403 .*\) — the token may push but not open merge requests \(it needs the api scope\); the branch microservice-update\/1\.1\.0-\w+ and the tag microservice\/pristine\/1\.1\.0-\w+ were deleted again$/,
    );
    expect(refs()).toEqual(before);
    expect(world().fake.pullRequests).toEqual([]);
    // A user's token goes to GitLab as an OAuth bearer token, the integration's as PRIVATE-TOKEN.
    expect(
      new Set(
        world()
          .server.apiRequests.filter(r => r.token === NO_PROPOSALS)
          .map(r => r.scheme),
      ),
    ).toEqual(new Set(['bearer']));
    expect(world().fake.violations).toEqual([]);
  });
});

describe('a re-render of the same version (an edited answers file), squash-merged', () => {
  it("is the next base, found by its tag because its answers equal the repository's", async () => {
    const world = await createService('github', 'rerender-api');
    const git = (...args: string[]) =>
      world.server.git(world.repository, ...args).trim();
    const firstRender = git('rev-parse', 'main');
    // The team edits a value in the answers; an update with the same release renders it.
    teamCommit(world, ANSWERS_FILE, text =>
      text.replace(
        /description: Bills customers/g,
        'description: Bills customers monthly',
      ),
    );
    const rerender = await updateThroughTemplate(world);
    expect(rerender).toMatchObject({
      status: 'updated',
      fromVersion: '1.0.0',
      toVersion: '1.0.0',
    });
    mergeOnServer(world, rerender.branchName, 'squash');
    // The next release changes the skeletons; HEAD records 1.0.0, of which there are two renders.
    changeSkeleton(world, '1.0.0-next');
    const next = await updateRemoteRepository({
      repoUrl: world.repoUrl,
      integrations: world.integrations,
      skeletonRoot: world.skeletons,
      dryRun: true,
    });
    expect(next).toMatchObject({
      baseSource: 'tag',
      base: rerender.pristineCommit,
      conflicts: [],
    });
    expect(next.base).not.toBe(firstRender);
    expect(next.changes.map(c => c.path)).toEqual([NOTE]);
  });
});
