import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  commitFiles,
  copySkeletons,
  generateRepository,
  gitIn,
  repositoryState,
} from '../../testUtils/generatedRepository';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { validateActionInput } from '../cli/templateSteps';
import { createServiceUpdateAction } from './serviceUpdate';

jest.setTimeout(60_000);

describe('microservice:service:update', () => {
  let work: string;
  let reposDir: string;
  let skeletons: string;
  let repo: string;

  beforeEach(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'service-update-'));
    reposDir = path.join(work, 'repos');
    skeletons = copySkeletons(work);
    repo = await generateRepository({
      reposDir,
      name: 'billing-api',
      skeletonRoot: skeletons,
    });
    commitFiles(repo, { 'internal/notes.md': 'ours\n' }, 'Team notes');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const changeTemplate = () => {
    fs.appendFileSync(path.join(skeletons, 'go/Makefile'), '\n# lint: new\n');
    // A file the template no longer renders.
    fs.rmSync(path.join(skeletons, 'go/docs/index.md.njk'));
  };

  const run = async (
    input: Record<string, unknown>,
    extra: {
      isDryRun?: boolean;
      localPublishing?: boolean;
    } = {},
  ) => {
    const action = createServiceUpdateAction({
      config: new ConfigReader({
        microservices: {
          localPublishing: {
            enabled: extra.localPublishing ?? true,
            directory: reposDir,
          },
        },
      }),
      integrations: publicHostIntegrations(),
      skeletonRoot: skeletons,
    });
    const workspace = fs.mkdtempSync(path.join(work, 'workspace-'));
    const ctx = {
      ...createMockActionContext({
        input: input as any,
        workspacePath: workspace,
        logger: mockServices.logger.mock(),
      }),
      isDryRun: extra.isDryRun ?? false,
      createTemporaryDirectory: async () =>
        fs.mkdtempSync(path.join(work, 'tmp-')),
    };
    await action.handler(ctx as any);
    const outputs = Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    );
    return { outputs, workspace };
  };

  it('updates a local repository onto a new branch, leaving main alone', async () => {
    changeTemplate();
    const main = gitIn(repo, 'rev-parse', 'main');
    const { outputs } = await run({ repository: 'billing-api' });
    expect(outputs).toMatchObject({
      status: 'updated',
      changed: true,
      conflicts: [],
      changedFiles: ['Makefile', 'docs/index.md'],
      repoPath: fs.realpathSync(repo),
      remoteUrl: `file://${fs.realpathSync(repo)}`,
    });
    expect(gitIn(repo, 'rev-parse', outputs.branchName)).toBe(
      outputs.mergeCommit,
    );
    expect(gitIn(repo, 'rev-parse', `${outputs.branchName}^2`)).toBe(
      outputs.pristineCommit,
    );
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(main);
    expect(outputs.title).toMatch(/^Update to template version /);
  });

  it('says so when there is nothing to update', async () => {
    const before = repositoryState(repo);
    const { outputs } = await run({ repository: `file://${repo}` });
    expect(outputs).toMatchObject({ status: 'up-to-date', changed: false });
    expect(outputs.summary).toMatch(/^Already up to date/);
    expect(repositoryState(repo)).toEqual(before);
  });

  it('dry run: works the update out and writes nothing', async () => {
    changeTemplate();
    const before = repositoryState(repo);
    const { outputs } = await run(
      { repository: 'billing-api' },
      { isDryRun: true },
    );
    expect(outputs).toMatchObject({ status: 'updated', changed: true });
    expect(outputs.summary).toContain('would create branch');
    expect(outputs.mergeCommit).toBeUndefined();
    expect(repositoryState(repo)).toEqual(before);
  });

  it('refuses repositories outside the local publishing directory, even through a symlink', async () => {
    const outside = await generateRepository({
      reposDir: path.join(work, 'elsewhere'),
      name: 'other',
      skeletonRoot: skeletons,
    });
    fs.symlinkSync(outside, path.join(reposDir, 'sneaky'));
    const before = repositoryState(outside);
    for (const repository of [outside, '../elsewhere/other', 'sneaky', '.']) {
      await expect(run({ repository })).rejects.toThrow(
        /^repository: '.*' is outside the local publishing directory/,
      );
    }
    await expect(run({ repository: 'nope' })).rejects.toThrow(
      /repository: 'nope' does not exist in the local publishing directory/,
    );
    expect(repositoryState(outside)).toEqual(before);
  });

  it('refuses a local repository where local publishing is off, and changes nothing', async () => {
    const before = repositoryState(repo);
    await expect(
      run({ repository: 'billing-api' }, { localPublishing: false }),
    ).rejects.toThrow(
      'repository: local repositories are off on this backend (microservices.localPublishing.enabled is not true); use a repository on a configured SCM integration',
    );
    expect(repositoryState(repo)).toEqual(before);
  });

  it('refuses a dirty work tree, naming the problem', async () => {
    changeTemplate();
    fs.writeFileSync(path.join(repo, 'draft.txt'), 'wip');
    const before = repositoryState(repo);
    await expect(run({ repository: 'billing-api' })).rejects.toThrow(
      /^repository: .*billing-api: the work tree has uncommitted changes \(1 file\(s\): draft\.txt\)/,
    );
    expect(repositoryState(repo)).toEqual(before);
  });

  it("declares 'exactly one of repository and repoUrl' in its input schema, which the scaffolder checks", () => {
    const action = createServiceUpdateAction({
      integrations: publicHostIntegrations(),
    });
    const check = (input: object) => () =>
      validateActionInput(action, input as any);
    expect(check({ repository: 'billing-api' })).not.toThrow();
    expect(
      check({ repoUrl: 'github.com?owner=o&repo=r', token: 't' }),
    ).not.toThrow();
    expect(check({})).toThrow(/Invalid input passed to action/);
    expect(
      check({
        repository: 'billing-api',
        repoUrl: 'github.com?owner=o&repo=r',
      }),
    ).toThrow(/Invalid input passed to action/);
    expect(action.schema?.output).toMatchObject({
      required: expect.arrayContaining(['status', 'baseSource', 'summary']),
    });
  });

  it('needs exactly one of repository and repoUrl, and only its own version', async () => {
    await expect(run({})).rejects.toThrow(
      /repository, repoUrl: give exactly one/,
    );
    await expect(
      run({ repository: 'billing-api', repoUrl: 'github.com?owner=o&repo=r' }),
    ).rejects.toThrow(/give exactly one/);
    await expect(
      run({ repository: 'billing-api', version: '9.9.9' }),
    ).rejects.toThrow(/version: this package renders template version .* only/);
    await expect(
      run({ repoUrl: 'bitbucket.org?workspace=w&project=p&repo=r' }),
    ).rejects.toThrow(
      /on a bitbucketCloud host; updates open pull\/merge requests on GitHub or GitLab only/,
    );
  });
});
