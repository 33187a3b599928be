import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { createPublishGithubAction } from '@backstage/plugin-scaffolder-backend-module-github';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startGitServer, type GitServer } from '../../testUtils/gitServer';
import { PRISTINE_RENDER_TRAILER, TASK_TRAILER } from '../answers';
import { packageVersion } from '../packageFiles';
import { updateRepository } from '../update/updateRepository';
import { createDeployRenderAction } from './deployRender';
import { createServiceRenderAction } from './serviceRender';

const TEMPLATE = parse(
  fs.readFileSync(
    path.join(__dirname, '../../../../templates/microservice/template.yaml'),
    'utf8',
  ),
);
const TOKEN = 'ghs_test-token-for-the-local-git-server';

/**
 * A step's input as the scaffolder renders it for this template, whose inputs are literals or single
 * `${{ a.b.c }}` references to the parameters and earlier steps' outputs; an absent value leaves the key out.
 */
function stepInput(
  id: string,
  context: Record<string, unknown>,
): Record<string, unknown> {
  const step = TEMPLATE.spec.steps.find((s: { id: string }) => s.id === id);
  const render = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const reference = /^\$\{\{\s*([\w.]+)\s*\}\}$/.exec(value);
      if (!reference) {
        if (value.includes('${{'))
          throw new Error(`step ${id}: not a plain reference: ${value}`);
        return value;
      }
      return reference[1]
        .split('.')
        .reduce<any>((object, key) => object?.[key], context);
    }
    if (value && typeof value === 'object' && !Array.isArray(value))
      return Object.fromEntries(
        Object.entries(value)
          .map(([k, v]) => [k, render(v)])
          .filter(([, v]) => v !== undefined),
      );
    return value;
  };
  return render(step.input) as Record<string, unknown>;
}

jest.setTimeout(60_000);

describe("the microservice template's publish steps against a real git server", () => {
  const workspace = createMockDirectory();
  let server: GitServer;

  beforeAll(async () => {
    server = await startGitServer({
      token: TOKEN,
      // The GitHub REST calls publish:github makes for an organisation's new private repository.
      api: ({ method, path: route, body }, git) => {
        if (method === 'GET' && route === '/api/v3/users/acme')
          return { status: 200, body: { login: 'acme', type: 'Organization' } };
        if (method === 'POST' && route === '/api/v3/orgs/acme/repos') {
          git.createRepository('acme', body.name);
          return {
            status: 201,
            body: {
              name: body.name,
              full_name: `acme/${body.name}`,
              private: body.private,
              default_branch: 'main',
              clone_url: `${git.baseUrl}/acme/${body.name}.git`,
              html_url: `${git.baseUrl}/acme/${body.name}`,
            },
          };
        }
        if (
          method === 'PUT' &&
          route === '/api/v3/repos/acme/billing-api/branches/main/protection'
        )
          return { status: 200, body: {} };
        return undefined;
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('pushes a first commit marked as the pristine render, from which an update starts', async () => {
    const config = new ConfigReader({
      integrations: {
        github: [
          {
            host: server.host,
            apiBaseUrl: `${server.baseUrl}/api/v3`,
            token: TOKEN,
          },
        ],
      },
    });
    const integrations = ScmIntegrations.fromConfig(config);
    const parameters = {
      stack: 'dotnet',
      name: 'billing-api',
      description: 'Bills customers',
      owner: 'group:default/team-a',
      publish: 'github',
      repoUrl: `${server.host}?owner=acme&repo=billing-api`,
      ci: 'github',
    };
    const task = { id: 'task-0001' };
    const steps: Record<string, { output: Record<string, unknown> }> = {};
    const run = async (id: string, action: any) => {
      const ctx = createMockActionContext({
        input: stepInput(id, { parameters, steps }) as any,
        workspacePath: workspace.path,
        task,
      } as any);
      await action.handler(ctx);
      steps[id] = {
        output: Object.fromEntries(
          (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
        ),
      };
    };
    await run('service', createServiceRenderAction({ integrations }));
    await run('deploy', createDeployRenderAction({ integrations }));
    await run(
      'publish-github',
      createPublishGithubAction({
        integrations,
        config,
        githubCredentialsProvider:
          DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      }),
    );

    // What publish:github asked of the GitHub API: the owner, a private repository, branch protection.
    expect(server.apiRequests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v3/users/acme',
      'POST /api/v3/orgs/acme/repos',
      'PUT /api/v3/repos/acme/billing-api/branches/main/protection',
    ]);
    expect(server.apiRequests[1].body).toMatchObject({
      name: 'billing-api',
      private: true,
      description: 'Bills customers',
    });

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
    const clone = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'publish-scm-')),
      'billing-api',
    );
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
      });
    } finally {
      fs.rmSync(path.dirname(clone), { recursive: true, force: true });
    }
  });
});
