import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import git from 'isomorphic-git';
import fs from 'node:fs';
import { formatAnswers } from '../answers';
import { PACKAGE_NAME } from '../packageFiles';
import { createPublishLocalAction } from './publishLocal';

describe('microservice:publish:local', () => {
  const dir = createMockDirectory();
  const reposDir = () => dir.resolve('repos');
  const action = () =>
    createPublishLocalAction({
      config: new ConfigReader({
        microservices: {
          localPublishing: { enabled: true, directory: reposDir() },
        },
      }),
    });

  beforeEach(() => {
    dir.setContent({
      workspace: {
        'README.md': '# hi\n',
        '.gitignore': 'bin/\n',
        bin: { api: 'binary' },
        service: { 'main.go': 'package main\n' },
      },
    });
  });

  const run = (
    input: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => {
    // createMockActionContext keeps only some fields (not isDryRun), so extras are laid over its result.
    const ctx = {
      ...createMockActionContext({
        input: input as any,
        workspacePath: dir.resolve('workspace'),
        logger: mockServices.logger.mock(),
        user: {
          ref: 'user:default/jane',
          entity: {
            spec: {
              profile: { displayName: 'Jane', email: 'jane@example.com' },
            },
          } as any,
        },
      }),
      ...extra,
    };
    return action()
      .handler(ctx as any)
      .then(() => ctx);
  };

  it('creates a repository with one commit by the task user, honouring .gitignore', async () => {
    const ctx = await run({ repoName: 'billing-api' });
    const repoPath = `${reposDir()}/billing-api`;
    expect(ctx.output).toHaveBeenCalledWith('repoPath', repoPath);
    expect(ctx.output).toHaveBeenCalledWith('remoteUrl', `file://${repoPath}`);
    expect(ctx.output).toHaveBeenCalledWith(
      'repoContentsUrl',
      `file://${repoPath}/`,
    );
    const log = await git.log({ fs, dir: repoPath });
    expect(log).toHaveLength(1);
    expect(log[0].commit.author.name).toBe('Jane');
    expect(log[0].commit.author.email).toBe('jane@example.com');
    expect(log[0].commit.message).toContain('Initial commit');
    expect(ctx.output).toHaveBeenCalledWith('commitHash', log[0].oid);
    expect((await git.listFiles({ fs, dir: repoPath })).sort()).toEqual([
      '.gitignore',
      'README.md',
      'service/main.go',
    ]);
    expect(await git.currentBranch({ fs, dir: repoPath })).toBe('main');
  });

  it('leaves out any .git the workspace holds, at the top or deeper, and keeps executable bits', async () => {
    dir.addContent({
      workspace: {
        '.git': { HEAD: 'ref: refs/heads/other\n' },
        vendor: { lib: { '.git': { config: '[core]\n' }, 'lib.go': 'x\n' } },
        'run.sh': '#!/bin/sh\n',
      },
    });
    fs.chmodSync(dir.resolve('workspace/run.sh'), 0o755);
    const ctx = await run({ repoName: 'with-git' });
    const repoPath = `${reposDir()}/with-git`;
    const files = (await git.listFiles({ fs, dir: repoPath })).sort();
    expect(files).toEqual([
      '.gitignore',
      'README.md',
      'run.sh',
      'service/main.go',
      'vendor/lib/lib.go',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('files', files);
    expect(fs.existsSync(`${repoPath}/vendor/lib/.git`)).toBe(false);
    expect(await git.currentBranch({ fs, dir: repoPath })).toBe('main');
    const { tree } = await git.readTree({
      fs,
      dir: repoPath,
      oid: (await git.log({ fs, dir: repoPath }))[0].oid,
    });
    expect(tree.find(e => e.path === 'run.sh')!.mode).toBe('100755');
  });

  it('publishes a sub-path on a chosen branch', async () => {
    await run({
      repoName: 'svc',
      sourcePath: 'service',
      defaultBranch: 'trunk',
      commitMessage: 'Scaffold',
    });
    const repoPath = `${reposDir()}/svc`;
    expect(await git.listFiles({ fs, dir: repoPath })).toEqual(['main.go']);
    expect(await git.currentBranch({ fs, dir: repoPath })).toBe('trunk');
    expect((await git.log({ fs, dir: repoPath }))[0].commit.message).toMatch(
      /^Scaffold\n/,
    );
  });

  it('refuses an existing repository and leaves it untouched', async () => {
    await run({ repoName: 'billing-api' });
    const before = await git.log({ fs, dir: `${reposDir()}/billing-api` });
    fs.writeFileSync(dir.resolve('workspace/README.md'), 'changed');
    await expect(
      run({ repoName: 'billing-api' }, { task: { id: 'other-task' } }),
    ).rejects.toThrow(
      /repoName: a repository named 'billing-api' already exists/,
    );
    expect(await git.log({ fs, dir: `${reposDir()}/billing-api` })).toEqual(
      before,
    );
    expect(fs.readdirSync(reposDir())).toEqual(['billing-api']);
  });

  it('is idempotent when the same task is retried after publishing', async () => {
    const first = await run({ repoName: 'billing-api' });
    const second = await run({ repoName: 'billing-api' });
    const hash = (first.output as jest.Mock).mock.calls.find(
      c => c[0] === 'commitHash',
    )[1];
    expect(second.output).toHaveBeenCalledWith('commitHash', hash);
  });

  it('refuses a bad repoName and a sourcePath outside the workspace, writing nothing', async () => {
    await expect(run({ repoName: '../evil' })).rejects.toThrow(
      /repoName: '..\/evil' is not a DNS-1123 label/,
    );
    await expect(run({ repoName: 'ok', sourcePath: '../..' })).rejects.toThrow(
      /outside/i,
    );
    expect(fs.existsSync(reposDir())).toBe(false);
  });

  it('dry run: reports the files a real run commits, and where, creating nothing', async () => {
    dir.addContent({
      workspace: {
        service: { '.gitignore': '*.tmp\n', 'scratch.tmp': 'x', 'a-b.go': '' },
        'service-docs': { 'index.md': '' },
      },
    });
    const dry = await run({ repoName: 'billing-api' }, { isDryRun: true });
    const repoPath = `${reposDir()}/billing-api`;
    expect(fs.existsSync(reposDir())).toBe(false);
    expect(dry.output).toHaveBeenCalledWith('repoPath', repoPath);
    expect(dry.output).toHaveBeenCalledWith(
      'repoContentsUrl',
      `file://${repoPath}/`,
    );
    expect(dry.output).not.toHaveBeenCalledWith(
      'commitHash',
      expect.anything(),
    );
    const files = (dry.output as jest.Mock).mock.calls.find(
      c => c[0] === 'files',
    )[1];
    expect(files).toEqual([
      '.gitignore',
      'README.md',
      'service-docs/index.md',
      'service/.gitignore',
      'service/a-b.go',
      'service/main.go',
    ]);
    expect(dry.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Dry run: would publish 6 files .*nothing was created$/,
      ),
    );

    const real = await run({ repoName: 'billing-api' });
    expect(real.output).toHaveBeenCalledWith('files', files);
    expect(await git.listFiles({ fs, dir: repoPath })).toEqual(files);
  });

  it('dry run: refuses what a real run refuses', async () => {
    await run({ repoName: 'billing-api' });
    await expect(
      run({ repoName: 'billing-api' }, { isDryRun: true }),
    ).rejects.toThrow(
      /repoName: a repository named 'billing-api' already exists/,
    );
    await expect(
      run({ repoName: 'other', sourcePath: 'missing' }, { isDryRun: true }),
    ).rejects.toThrow(/^sourcePath: 'missing' does not exist/);
    expect(fs.readdirSync(reposDir())).toEqual(['billing-api']);
  });

  it('marks the initial commit of a rendered service as its pristine render, and only that', async () => {
    const answers = formatAnswers({
      apiVersion: 'microservices.cross-stack.dev/v1',
      kind: 'Answers',
      templateRef: 'template:default/microservice',
      package: PACKAGE_NAME,
      packageVersion: '0.1.0',
      actions: { 'microservice:service:render': { stack: 'go' } },
    });
    dir.addContent({
      workspace: { '.microservice': { 'answers.yaml': answers } },
    });
    const ctx = await run({ repoName: 'rendered' });
    const [commit] = await git.log({ fs, dir: `${reposDir()}/rendered` });
    expect(commit.commit.message).toMatch(
      /^Initial commit\n\nScaffolder-Task: .*\nMicroservice-Pristine-Render: 0\.1\.0\n$/,
    );
    expect(ctx.output).toHaveBeenCalledWith('pristineRenderVersion', '0.1.0');

    // A tree without answers (or with broken ones) is published unmarked.
    dir.addContent({
      workspace: { '.microservice': { 'answers.yaml': 'x: [' } },
    });
    const unmarked = await run(
      { repoName: 'hand-made' },
      { task: { id: 't2' } },
    );
    const [plain] = await git.log({ fs, dir: `${reposDir()}/hand-made` });
    expect(plain.commit.message).not.toMatch(/Pristine/);
    expect(unmarked.output).not.toHaveBeenCalledWith(
      'pristineRenderVersion',
      expect.anything(),
    );
  });

  it('defaults the directory to .data/repos under the working directory', () => {
    const { localReposDirectory } = jest.requireActual('./publishLocal');
    expect(localReposDirectory(new ConfigReader({}))).toBe(
      `${process.cwd()}/.data/repos`,
    );
  });
});
