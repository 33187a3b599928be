import git from 'isomorphic-git';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  api,
  startBackend,
  taskLog,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from './backend';

jest.setTimeout(240_000);

describe('embedded portal backend', () => {
  let backend: RunningBackend;

  beforeAll(async () => {
    // The fixture template joins the root catalog-info.yaml in the catalog's config locations (config arrays
    // replace each other, so both are listed).
    const extra = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-config-')),
      'app-config.yaml',
    );
    fs.writeFileSync(
      extra,
      stringify({
        catalog: {
          locations: [
            { type: 'file', target: '../../catalog-info.yaml' },
            {
              type: 'file',
              target: path.join(__dirname, 'fixtures/hello/template.yaml'),
              rules: [{ allow: ['Template'] }],
            },
          ],
        },
      }),
    );
    backend = await startBackend({ configs: [extra] });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('lists the microservice actions and loads the root catalog-info.yaml', async () => {
    const { status, body } = await api(
      backend,
      'GET',
      '/api/scaffolder/v2/actions',
    );
    expect(status).toBe(200);
    const ids = body.map((a: { id: string }) => a.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'microservice:service:render',
        'microservice:publish:local',
        'microservice:catalog:register',
        'microservice:service:update',
      ]),
    );
    const location = await waitForEntity(
      backend,
      'location:default/cross-stack-microservices',
    );
    expect(location.spec.targets).toEqual(
      expect.arrayContaining([
        './templates/microservice/template.yaml',
        './templates/update/template.yaml',
      ]),
    );
    await waitForEntity(backend, 'group:default/team-a');
    await waitForEntity(backend, 'template:default/microservice');
    await waitForEntity(backend, 'template:default/microservice-update');
  });

  it('signs in the guest without a login and accepts no request without a token', async () => {
    const unauthenticated = await fetch(
      `${backend.baseUrl}/api/catalog/entities/by-name/template/default/microservice`,
    );
    expect(unauthenticated.status).toBe(401);

    const refresh = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`);
    expect(refresh.status).toBe(200);
    const { backstageIdentity } = await refresh.json();
    expect(backstageIdentity.identity).toEqual({
      type: 'user',
      userEntityRef: 'user:development/guest',
      ownershipEntityRefs: ['user:development/guest'],
    });
    const template = await fetch(
      `${backend.baseUrl}/api/catalog/entities/by-name/template/default/microservice`,
      { headers: { authorization: `Bearer ${backstageIdentity.token}` } },
    );
    expect(template.status).toBe(200);
    expect((await template.json()).kind).toBe('Template');
  });

  it('runs fetch:template → publish:local → catalog:register (file:// URL) through the task API', async () => {
    await waitForEntity(backend, 'template:default/e2e-hello');

    const created = await api(backend, 'POST', '/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/e2e-hello',
      values: { name: 'hello-svc', owner: 'group:default/team-a' },
    });
    expect(created.status).toBe(201);
    const task = await waitForTask(backend, created.body.id);
    expect({
      status: task.status,
      log: task.status === 'completed' ? '' : await taskLog(backend, task.id),
    }).toEqual({
      status: 'completed',
      log: '',
    });

    const repoPath = path.join(backend.reposDir, 'hello-svc');
    const commits = await git.log({ fs, dir: repoPath });
    expect(commits).toHaveLength(1);
    expect((await git.listFiles({ fs, dir: repoPath })).sort()).toEqual([
      'README.md',
      'catalog-info.yaml',
    ]);
    expect(fs.readFileSync(path.join(repoPath, 'README.md'), 'utf8')).toBe(
      '# hello-svc\n',
    );

    // The task is the guest's, who created it.
    expect(task.createdBy).toBe('user:development/guest');

    const entity = await waitForEntity(backend, 'component:default/hello-svc');
    expect(entity.spec.owner).toBe('group:default/team-a');
    expect(
      entity.metadata.annotations['backstage.io/managed-by-location'],
    ).toBe(`url:file://${path.join(repoPath, 'catalog-info.yaml')}`);
  });
});

describe('embedded portal backend outside development', () => {
  it('offers no guest sign-in when NODE_ENV is production, though app-config.yaml configures it', async () => {
    const backend = await startBackend({ env: { NODE_ENV: 'production' } });
    try {
      expect(backend.token).toBeUndefined();
      const refresh = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`);
      expect(refresh.status).toBe(403);
      expect((await refresh.json()).error.message).toMatch(
        /guest provider cannot be used outside of a development environment/,
      );
    } finally {
      await backend.stop();
    }
  });
});
