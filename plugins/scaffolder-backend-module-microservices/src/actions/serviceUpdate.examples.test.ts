import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  copySkeletons,
  generateRepository,
  gitIn,
} from '../../testUtils/generatedRepository';
import { runExample } from '../../testUtils/runExample';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { createServiceUpdateAction } from './serviceUpdate';
import { examples } from './serviceUpdate.examples';

jest.setTimeout(60_000);

describe('microservice:service:update examples', () => {
  let work: string;

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
    const action = createServiceUpdateAction({
      config: new ConfigReader({
        microservices: {
          localPublishing: { enabled: true, directory: reposDir },
        },
      }),
      integrations: publicHostIntegrations(),
      skeletonRoot: skeletons,
      // The GitHub example clones the repository generated above instead of github.com.
      cloneRepository: async ({ dir }) => {
        gitIn(work, 'clone', '--quiet', repo, dir);
      },
    });
    const workspace = path.join(work, 'workspace');
    fs.mkdirSync(workspace);
    const ctx = await runExample(action, example, {
      workspacePath: workspace,
      context: { secrets: { USER_OAUTH_TOKEN: 'token' } },
    });
    const output = (name: string) =>
      (ctx.output as jest.Mock).mock.calls.find(c => c[0] === name)?.[1];
    expect(output('status')).toBe('updated');
    expect(output('changedFiles')).toEqual(['Makefile']);
  });
});
