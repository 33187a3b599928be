import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import git from 'isomorphic-git';
import fs from 'node:fs';
import { createPublishLocalAction } from './publishLocal';
import { examples } from './publishLocal.examples';
import { runExample } from '../../testUtils/runExample';

describe('microservice:publish:local examples', () => {
  const dir = createMockDirectory();
  const action = createPublishLocalAction({
    config: new ConfigReader({
      microservices: {
        localPublishing: { enabled: true, directory: dir.resolve('repos') },
      },
    }),
  });

  beforeEach(() =>
    dir.setContent({
      workspace: { 'README.md': 'x', service: { 'main.go': 'package main' } },
    }),
  );

  it.each(examples.map(e => [e.description, e]))('%s', async (_, example) => {
    const ctx = await runExample(action, example, {
      workspacePath: dir.resolve('workspace'),
    });
    const repoPath = (ctx.output as jest.Mock).mock.calls.find(
      c => c[0] === 'repoPath',
    )[1];
    expect(await git.log({ fs, dir: repoPath })).toHaveLength(1);
  });
});
