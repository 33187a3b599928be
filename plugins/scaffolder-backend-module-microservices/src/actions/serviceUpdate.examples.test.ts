import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  copySkeletons,
  generateRepository,
  gitIn,
} from '../../testUtils/generatedRepository';
import { startGitServer, type GitServer } from '../../testUtils/gitServer';
import { runExample } from '../../testUtils/runExample';
import { fakeGithub } from '../../testUtils/scmApi';
import { createServiceUpdateAction } from './serviceUpdate';
import { examples } from './serviceUpdate.examples';

jest.setTimeout(60_000);

const TOKEN = 'example-user-token';

describe('microservice:service:update examples', () => {
  let work: string;
  let server: GitServer;
  const github = fakeGithub();

  beforeAll(async () => {
    server = await startGitServer({ token: TOKEN, api: github.api });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'update-examples-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it.each(examples.map(e => [e.description, e]))('%s', async (_, example) => {
    const reposDir = path.join(work, 'repos');
    const skeletons = copySkeletons(work);
    const repo = await generateRepository({
      reposDir,
      name: 'billing-api',
      skeletonRoot: skeletons,
    });
    fs.appendFileSync(path.join(skeletons, 'go/Makefile'), '\n# new\n');
    // The GitHub example's github.com is the local git server: its API answers for github.com, and the
    // repository generated above is on it.
    server.createRepository('acme', 'billing-api');
    gitIn(
      repo,
      'push',
      '--quiet',
      '--mirror',
      path.join(server.root, 'acme/billing-api.git'),
    );
    const config = new ConfigReader({
      microservices: {
        localPublishing: { enabled: true, directory: reposDir },
      },
      integrations: {
        github: [
          { host: 'github.com', apiBaseUrl: `${server.baseUrl}/api/v3` },
        ],
      },
    });
    const action = createServiceUpdateAction({
      config,
      integrations: ScmIntegrations.fromConfig(config),
      skeletonRoot: skeletons,
    });
    const workspace = path.join(work, 'workspace');
    fs.mkdirSync(workspace);
    const ctx = await runExample(action, example, {
      workspacePath: workspace,
      context: { secrets: { USER_OAUTH_TOKEN: TOKEN } },
    });
    const output = (name: string) =>
      (ctx.output as jest.Mock).mock.calls.find(c => c[0] === name)?.[1];
    expect(output('status')).toBe('updated');
    expect(output('changedFiles')).toEqual(['Makefile']);
    const remote = example.example.includes('repoUrl:');
    expect(output('pullRequestUrl')).toBe(
      remote ? `${server.baseUrl}/acme/billing-api/pull/1` : undefined,
    );
    expect(github.violations).toEqual([]);
    fs.rmSync(path.join(server.root, 'acme'), { recursive: true, force: true });
  });
});
