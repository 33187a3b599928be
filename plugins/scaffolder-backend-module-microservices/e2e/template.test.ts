/*
 * The Create-component template end to end on the embedded backend, through the REST API only.
 */
import git from 'isomorphic-git';
import fs from 'node:fs';
import path from 'node:path';
import { stacks } from '../src/stacks';
import { toolchains } from '../conformance/toolchains';
import {
  api,
  startBackend,
  taskLog,
  taskOutput,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from 'e2e';

jest.setTimeout(300_000);

const TEMPLATE = 'template:default/microservice';

/** The file that tells each stack's repository apart: its package manifest. */
const STACK_MANIFEST: Record<string, string> = {
  go: 'go.mod',
  dotnet: 'Directory.Packages.props',
  rust: 'Cargo.toml',
};

describe('microservice template on the embedded backend', () => {
  let backend: RunningBackend;

  beforeAll(async () => {
    backend = await startBackend();
    await waitForEntity(backend, TEMPLATE);
    await waitForEntity(backend, 'group:default/team-a');
  });

  afterAll(async () => {
    await backend?.stop();
  });

  const submit = (values: Record<string, unknown>) =>
    api(backend, 'POST', '/api/scaffolder/v2/tasks', {
      templateRef: TEMPLATE,
      values,
    });

  const relations = (entity: any, type: string) =>
    (entity.relations ?? [])
      .filter((r: any) => r.type === type)
      .map((r: any) => r.targetRef);

  async function waitForRelations(
    ref: string,
    expected: Record<string, string[]>,
  ) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const entity = await waitForEntity(backend, ref);
      const ok = Object.entries(expected).every(([type, targets]) =>
        targets.every(t => relations(entity, type).includes(t)),
      );
      if (ok) return entity;
      if (Date.now() > deadline) return entity;
      await new Promise(r => setTimeout(r, 500));
    }
  }

  it('offers only stacks the conformance tier builds and runs', () => {
    expect(stacks.map(s => s.id).sort()).toEqual(
      toolchains.map(t => t.stack).sort(),
    );
  });

  it.each(stacks.map(s => [s.id]))(
    'creates a %s service from only {name, owner, stack}',
    async stack => {
      const name = `e2e-${stack}-svc`;
      const created = await submit({
        name,
        owner: 'group:default/team-a',
        stack,
      });
      expect(created.status).toBe(201);
      const task = await waitForTask(backend, created.body.id);
      if (task.status !== 'completed')
        throw new Error(
          `task ${task.status}:\n${await taskLog(backend, task.id)}`,
        );

      const repoPath = path.join(backend.reposDir, name);
      const commits = await git.log({ fs, dir: repoPath });
      expect(commits).toHaveLength(1);
      const files = await git.listFiles({ fs, dir: repoPath });
      expect(files).toEqual(
        expect.arrayContaining([
          'catalog-info.yaml',
          'openapi.yaml',
          'README.md',
          'Dockerfile',
        ]),
      );

      const component = await waitForRelations(`component:default/${name}`, {
        providesApi: [`api:default/${name}`],
        dependsOn: [`resource:default/${name}-db`],
        ownedBy: ['group:default/team-a'],
      });
      expect(relations(component, 'providesApi')).toContain(
        `api:default/${name}`,
      );
      expect(relations(component, 'dependsOn')).toContain(
        `resource:default/${name}-db`,
      );
      expect(relations(component, 'ownedBy')).toContain('group:default/team-a');
      expect(
        component.metadata.annotations['backstage.io/source-template'],
      ).toBe(TEMPLATE);
      const apiEntity = await waitForEntity(backend, `api:default/${name}`);
      expect(apiEntity.spec.type).toBe('openapi');
      expect(apiEntity.spec.definition).toContain('openapi:');
      const resource = await waitForEntity(
        backend,
        `resource:default/${name}-db`,
      );
      expect(resource.spec).toMatchObject({
        type: 'database',
        owner: 'group:default/team-a',
      });

      const output = await taskOutput(backend, task.id);
      expect(output.links).toEqual([
        { title: 'Repository', url: `file://${repoPath}` },
        {
          title: 'Open in catalog',
          icon: 'catalog',
          entityRef: `component:default/${name}`,
        },
      ]);
      expect(output.text[0].content).toContain(`**${name}** is ready`);
    },
  );

  it('refuses a bad name with 400 naming the field, and creates nothing', async () => {
    const res = await submit({
      name: 'Bad_Name',
      owner: 'group:default/team-a',
      stack: 'go',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/name/);
    expect(fs.existsSync(path.join(backend.reposDir, 'Bad_Name'))).toBe(false);
  });

  it('refuses an unknown stack with 400', async () => {
    const res = await submit({
      name: 'svc-x',
      owner: 'group:default/team-a',
      stack: 'cobol',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/stack/);
  });

  it('fails a second task with an existing name clearly and leaves the first repository untouched', async () => {
    const name = 'e2e-duplicate';
    const first = await waitForTask(
      backend,
      (
        await submit({ name, owner: 'group:default/team-a', stack: 'go' })
      ).body.id,
    );
    expect(first.status).toBe('completed');
    const repoPath = path.join(backend.reposDir, name);
    const before = await git.log({ fs, dir: repoPath });
    const locationsBefore = (
      await api(backend, 'GET', '/api/catalog/locations')
    ).body.length;

    const second = await waitForTask(
      backend,
      (
        await submit({
          name,
          owner: 'group:default/team-b',
          stack: 'go',
          description: 'second',
        })
      ).body.id,
    );
    expect(second.status).toBe('failed');
    expect(await taskLog(backend, second.id)).toMatch(
      /repoName: a repository named 'e2e-duplicate' already exists/,
    );
    expect(await git.log({ fs, dir: repoPath })).toEqual(before);
    expect(
      (await api(backend, 'GET', '/api/catalog/locations')).body.length,
    ).toBe(locationsBefore);
    const component = await waitForEntity(backend, `component:default/${name}`);
    expect(component.spec.owner).toBe('group:default/team-a');
  });

  // The template editor's dry run: every step runs in dry-run mode, and the response lists the workspace.
  it.each(stacks.map(s => [s.id]))(
    'dry-runs the whole %s template through the dry-run endpoint, listing the files and changing nothing',
    async stack => {
      const name = `dry-${stack}-svc`;
      const template = (
        await api(
          backend,
          'GET',
          `/api/catalog/entities/by-name/template/default/microservice`,
        )
      ).body;
      const locationsBefore = (
        await api(backend, 'GET', '/api/catalog/locations')
      ).body.length;
      const res = await api(backend, 'POST', '/api/scaffolder/v2/dry-run', {
        template,
        values: { name, owner: 'group:default/team-a', stack },
        secrets: {},
        directoryContents: [],
      });
      expect(res.status).toBe(200);

      const paths: string[] = res.body.directoryContents.map(
        (f: any) => f.path,
      );
      expect(paths).toEqual(
        expect.arrayContaining([
          'catalog-info.yaml',
          'openapi.yaml',
          'Dockerfile',
          '.github/workflows/ci.yml',
          'deploy/kubernetes/overlays/prod/kustomization.yaml',
          STACK_MANIFEST[stack],
        ]),
      );
      const messages: string[] = res.body.log.map((l: any) => l.body.message);
      const log = messages.join('\n');
      // Every step of the local path ran (in dry-run mode), none was skipped for lack of dry-run support.
      expect(log).not.toMatch(/does not support dry-run/);
      expect(log).toMatch(
        new RegExp(
          `Dry run: would publish ${paths.length} files from '\\.' as local repository ${backend.reposDir}/${name} \\(branch main\\)`,
        ),
      );
      expect(log).toContain(
        `Dry run: would register url location file://${backend.reposDir}/${name}/catalog-info.yaml in the catalog`,
      );
      expect(res.body.output.links[0]).toEqual({
        title: 'Repository',
        url: `file://${backend.reposDir}/${name}`,
      });

      // Nothing outside the dry run's workspace changed.
      expect(fs.existsSync(path.join(backend.reposDir, name))).toBe(false);
      expect(
        (await api(backend, 'GET', '/api/catalog/locations')).body.length,
      ).toBe(locationsBefore);
      const entity = await api(
        backend,
        'GET',
        `/api/catalog/entities/by-name/component/default/${name}`,
      );
      expect(entity.status).toBe(404);
    },
  );
});
