import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startGitServer, type GitServer } from '../../testUtils/gitServer';
import {
  fakeGithub,
  fakeGitlab,
  scmIntegrationsConfig,
  type FakeScm,
} from '../../testUtils/scmApi';
import {
  createAndPublishActions,
  runTemplate,
} from '../../testUtils/templateRun';
import { PRISTINE_RENDER_TRAILER, TASK_TRAILER } from '../answers';
import { packageVersion } from '../packageFiles';
import { updateRepository } from '../update/updateRepository';

const TOKEN = 'test-token-for-the-local-git-server';

jest.setTimeout(60_000);

describe.each([
  {
    provider: 'github',
    fake: fakeGithub,
    // What publish:github asks of the GitHub API: the owner, a private repository, branch protection.
    calls: [
      'GET /api/v3/users/acme',
      'POST /api/v3/orgs/acme/repos',
      'PUT /api/v3/repos/acme/billing-api/branches/main/protection',
    ],
    created: { name: 'billing-api', private: true },
  },
  {
    provider: 'gitlab',
    fake: fakeGitlab,
    // What publish:gitlab asks of the GitLab API: the namespace, the user, the group's projects, a project.
    calls: [
      'GET /api/v4/namespaces/acme',
      'GET /api/v4/user',
      'GET /api/v4/groups/acme/projects',
      'POST /api/v4/projects',
    ],
    created: {
      name: 'billing-api',
      path: 'billing-api',
      visibility: 'private',
    },
  },
] as const)(
  "the microservice template's publish step against a real git server: $provider",
  ({ provider, fake: makeFake, calls, created }) => {
    let server: GitServer;
    let fake: FakeScm;

    beforeAll(async () => {
      fake = makeFake();
      server = await startGitServer({ token: TOKEN, api: fake.api });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('pushes a first commit marked as the pristine render, from which an update starts', async () => {
      const config = new ConfigReader({
        integrations: scmIntegrationsConfig(provider, server, TOKEN),
      });
      const integrations = ScmIntegrations.fromConfig(config);
      const workspacePath = fs.mkdtempSync(
        path.join(os.tmpdir(), 'publish-scm-'),
      );
      const task = { id: 'task-0001' };
      const { steps, ran } = await runTemplate({
        template: 'microservice',
        parameters: {
          stack: 'dotnet',
          name: 'billing-api',
          description: 'Bills customers',
          owner: 'group:default/team-a',
          publish: provider,
          repoUrl: `${server.host}?owner=acme&repo=billing-api`,
          ci: provider,
        },
        actions: createAndPublishActions({ integrations, config }),
        workspacePath,
        task,
        skipSteps: [`register-${provider}`],
      });
      expect(ran).toEqual(['service', 'deploy', `publish-${provider}`]);

      expect(server.apiRequests.map(r => `${r.method} ${r.path}`)).toEqual(
        calls,
      );
      expect(
        server.apiRequests.find(r => r.method === 'POST')?.body,
      ).toMatchObject(created);
      expect(fake.violations).toEqual([]);

      // The pushed history: one commit, marked with the task and the template version it is the render of,
      // holding exactly the rendered tree.
      const repository = 'acme/billing-api.git';
      expect(server.git(repository, 'rev-list', '--count', 'main').trim()).toBe(
        '1',
      );
      const trailers = (key: string) =>
        server
          .git(
            repository,
            'log',
            '-1',
            `--format=%(trailers:key=${key},valueonly)`,
            'main',
          )
          .trim();
      expect(trailers(PRISTINE_RENDER_TRAILER)).toBe(packageVersion());
      expect(trailers(TASK_TRAILER)).toBe(task.id);
      const pushed = server
        .git(repository, 'ls-tree', '-r', '--name-only', 'main')
        .trim()
        .split('\n')
        .sort();
      expect(pushed).toEqual(
        [
          ...new Set([
            ...(steps.service.output.files as string[]),
            ...(steps.deploy.output.files as string[]),
          ]),
        ].sort(),
      );

      // A clone over HTTP with the token is a repository `update` accepts: its base is that first commit.
      const clone = path.join(workspacePath, 'clone');
      const url = new URL(`${server.baseUrl}/${repository}`);
      url.username = 'x-access-token';
      url.password = TOKEN;
      // Asynchronously: the server answering the clone runs in this process.
      await promisify(execFile)('git', ['clone', '--quiet', url.href, clone]);
      try {
        const result = await updateRepository({
          repoDir: clone,
          integrations,
          dryRun: true,
        });
        expect(result).toMatchObject({
          status: 'up-to-date',
          fromVersion: packageVersion(),
          base: server.git(repository, 'rev-parse', 'main').trim(),
          baseSource: 'history',
        });
      } finally {
        fs.rmSync(workspacePath, { recursive: true, force: true });
      }
    });
  },
);
