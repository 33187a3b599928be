/*
 * A service created on GitHub or GitLab through the portal's backend, then updated through its update template,
 * over the REST API of the embedded backend. The provider is the tests' git server (git http-backend) with a fake
 * of its REST API that checks every request against the provider's published description; the backend reaches
 * both through its ordinary `integrations` configuration, as it would reach GitHub Enterprise or a self-hosted
 * GitLab.
 *
 * The backend renders from the shipped skeletons, which this test does not change; the change to update is the
 * team editing a value in the recorded answers (the documented way to change an option after creation).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import {
  api,
  startBackend,
  taskLog,
  taskOutput,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from 'e2e';
import { startGitServer, type GitServer } from '../testUtils/gitServer';
import {
  fakeGithub,
  fakeGitlab,
  scmIntegrationsConfig,
} from '../testUtils/scmApi';

jest.setTimeout(300_000);

const TOKEN = 'e2e-integration-token';

describe.each(['github', 'gitlab'] as const)(
  'a %s repository created and updated through the portal backend',
  provider => {
    const NAME = `e2e-${provider}-api`;
    const scm = provider === 'github' ? fakeGithub() : fakeGitlab();
    let server: GitServer;
    let backend: RunningBackend;
    let work: string;

    beforeAll(async () => {
      server = await startGitServer({ token: TOKEN, api: scm.api });
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-github-'));
      const config = path.join(work, 'app-config.github.yaml');
      fs.writeFileSync(
        config,
        stringify({
          integrations: scmIntegrationsConfig(provider, server, TOKEN),
        }),
      );
      backend = await startBackend({ configs: [config] });
      await waitForEntity(backend, 'template:default/microservice');
      await waitForEntity(backend, 'template:default/microservice-update');
      await waitForEntity(backend, 'group:default/team-a');
    });

    afterAll(async () => {
      await backend?.stop();
      await server?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    });

    async function run(templateRef: string, values: Record<string, unknown>) {
      const created = await api(backend, 'POST', '/api/scaffolder/v2/tasks', {
        templateRef,
        values,
      });
      expect(created.status).toBe(201);
      const task = await waitForTask(backend, created.body.id);
      expect({
        status: task.status,
        log: task.status === 'completed' ? '' : await taskLog(backend, task.id),
      }).toEqual({ status: 'completed', log: '' });
      return taskOutput(backend, task.id);
    }

    it('publishes the pristine render, registers it, and opens the update as a pull/merge request from its branch', async () => {
      const repoUrl = `${server.host}?owner=acme&repo=${NAME}`;
      const repository = `acme/${NAME}.git`;
      const created = await run('template:default/microservice', {
        name: NAME,
        owner: 'group:default/team-a',
        stack: 'go',
        publish: provider,
        repoUrl,
        ci: provider,
      });
      expect(created.links).toEqual(
        expect.arrayContaining([
          {
            title: 'Repository',
            url: `${server.baseUrl}/acme/${NAME}${
              provider === 'github' ? '.git' : ''
            }`,
          },
          {
            title: 'Open in catalog',
            icon: 'catalog',
            entityRef: `component:default/${NAME}`,
          },
        ]),
      );
      expect(
        server
          .git(
            repository,
            'log',
            '-1',
            '--format=%(trailers:key=Microservice-Pristine-Render,valueonly)',
            'main',
          )
          .trim(),
      ).toMatch(/^\d+\.\d+\.\d+/);
      // The catalog read the component from the provider, through its URL reader.
      const entity = await waitForEntity(backend, `component:default/${NAME}`);
      expect(entity.metadata.annotations).toMatchObject({
        [`${provider}.com/project-slug`]: `acme/${NAME}`,
      });

      // The team changes the description through the recorded answers, on main.
      const clone = path.join(work, 'team');
      const git = (...args: string[]) =>
        execFileSync('git', ['-C', clone, ...args], {
          encoding: 'utf8',
        }).trim();
      execFileSync('git', [
        'clone',
        '--quiet',
        path.join(server.root, repository),
        clone,
      ]);
      const answersFile = path.join(clone, '.microservice/answers.yaml');
      const answers = parse(fs.readFileSync(answersFile, 'utf8'));
      for (const input of Object.values<{ description?: string }>(
        answers.actions,
      )) {
        input.description = 'Bills customers every month';
      }
      fs.writeFileSync(answersFile, stringify(answers));
      git(
        '-c',
        'user.name=Team A',
        '-c',
        'user.email=a@example.com',
        'commit',
        '--quiet',
        '--all',
        '-m',
        'Describe the service',
      );
      git('push', '--quiet', 'origin', 'main');
      const main = git('rev-parse', 'main');

      const updated = await run('template:default/microservice-update', {
        location: provider,
        repoUrl,
      });
      expect(updated.links).toEqual([
        {
          title: 'Update',
          url:
            provider === 'github'
              ? `${server.baseUrl}/acme/${NAME}/pull/1`
              : `${server.baseUrl}/acme/${NAME}/-/merge_requests/1`,
        },
      ]);
      expect(updated.text[0].content).toMatch(
        /^Template version \S+ → \S+: created branch microservice-update\/\S+ and tag microservice\/pristine\/\S+ with the pristine render and its merge into main, changing \d+ file\(s\) without conflicts\./,
      );

      // The pull/merge request: from the pushed branch into main, opened with the integration's token.
      expect(scm.pullRequests).toEqual([
        expect.objectContaining({ number: 1, base: 'main', token: TOKEN }),
      ]);
      const branch = scm.pullRequests[0].head;
      const show = (ref: string, file: string) =>
        server.git(repository, 'show', `${ref}:${file}`);
      expect(server.git(repository, 'rev-parse', `${branch}^1`).trim()).toBe(
        main,
      );
      expect(show(branch, 'catalog-info.yaml')).toContain(
        'description: Bills customers every month',
      );
      expect(show('main', 'catalog-info.yaml')).not.toContain(
        'Bills customers every month',
      );
      expect(scm.violations).toEqual([]);
    });
  },
);
