/*
 * The backend with app-config.production.yaml on a real PostgreSQL: file locations are refused, and two
 * replicas sharing one database run every submitted task exactly once.
 */
import git from 'isomorphic-git';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { findPostgresBin, ThrowawayPostgres } from '../conformance/postgres';
import {
  api,
  startBackend,
  taskLog,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from './backend';

jest.setTimeout(600_000);

const REPO_ROOT = path.join(__dirname, '../../..');
const postgresBin = findPostgresBin();
if (!postgresBin) {
  process.stdout.write(
    'production e2e: skipped — PostgreSQL server binaries not found under /usr/lib/postgresql\n',
  );
}
const describeWithPostgres = postgresBin ? describe : describe.skip;

describeWithPostgres(
  'production backend on PostgreSQL with two replicas',
  () => {
    let pg: ThrowawayPostgres;
    const backends: RunningBackend[] = [];
    const work = fs.mkdtempSync(
      path.join(os.tmpdir(), 'microservices-production-'),
    );
    const reposDir = path.join(work, 'repos');
    const token = crypto.randomBytes(24).toString('hex');
    // A later config file replaces a list, so the fixture's location is added to production's own.
    const productionLocations = parse(
      fs.readFileSync(
        path.join(REPO_ROOT, 'app-config.production.yaml'),
        'utf8',
      ),
    ).catalog.locations;

    // The tests publish locally, into a directory both replicas share, to see what each task did; production
    // itself leaves local publishing off (`localPublishing: false` starts it exactly so).
    const start = async ({ localPublishing = true } = {}) => {
      const extra = path.join(
        work,
        `app-config.test-${backends.length}-${localPublishing}.yaml`,
      );
      fs.writeFileSync(
        extra,
        stringify({
          backend: {
            auth: {
              externalAccess: [
                {
                  type: 'static',
                  options: { token, subject: 'e2e-automation' },
                },
              ],
            },
          },
          // Local publishing and a template that uses it, on top of production's own locations.
          ...(localPublishing
            ? {
                microservices: { localPublishing: { enabled: true } },
                catalog: {
                  locations: [
                    ...productionLocations,
                    {
                      type: 'file',
                      target: path.join(
                        __dirname,
                        'fixtures/production/template.yaml',
                      ),
                      rules: [{ allow: ['Template'] }],
                    },
                  ],
                },
              }
            : {}),
        }),
      );
      const backend = await startBackend({
        configs: [path.join(REPO_ROOT, 'app-config.production.yaml'), extra],
        reposDir,
        token,
        env: {
          POSTGRES_HOST: '127.0.0.1',
          POSTGRES_PORT: String(pg.port),
          POSTGRES_USER: 'postgres',
          POSTGRES_PASSWORD: '',
        },
      });
      backends.push(backend);
      return backend;
    };

    beforeAll(async () => {
      pg = await ThrowawayPostgres.create();
    });

    afterAll(async () => {
      for (const backend of backends) await backend.stop();
      pg?.destroy();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('as configured for production: no action or reader works on the backend host; templates and people come from their own locations', async () => {
      // It shares the task queue, so it stops before the tests that run tasks needing publish:local.
      const backend = await start({ localPublishing: false });
      backends.splice(backends.indexOf(backend), 1);
      try {
        const actions = await api(backend, 'GET', '/api/scaffolder/v2/actions');
        expect(actions.status).toBe(200);
        const ids = (actions.body as Array<{ id: string }>).map(a => a.id);
        expect(ids).toEqual(
          expect.arrayContaining([
            'microservice:service:render',
            'microservice:catalog:register',
          ]),
        );
        expect(ids).not.toContain('microservice:publish:local');
        expect(ids).not.toContain('publish:file');
        // No file:// reader: reading a file on the host through a url location fails (a dry run reads at once).
        const fileUrl = await api(
          backend,
          'POST',
          '/api/catalog/locations?dryRun=true',
          {
            type: 'url',
            target: `file://${path.join(REPO_ROOT, 'catalog-info.yaml')}`,
          },
        );
        expect([fileUrl.status, JSON.stringify(fileUrl.body)]).toEqual([
          expect.any(Number),
          expect.stringMatching(/file:\/\/.*catalog-info\.yaml/),
        ]);
        expect(fileUrl.status).toBeGreaterThanOrEqual(400);
        // The templates come from this repository's locations only, the people from the org file.
        await waitForEntity(backend, 'template:default/microservice');
        await waitForEntity(backend, 'group:default/team-a');
        await waitForEntity(backend, 'template:default/microservice-update');
        // This repository's own Component is in none of production's locations.
        const own = await api(
          backend,
          'GET',
          '/api/catalog/entities/by-name/component/default/cross-stack-microservices',
        );
        expect(own.status).toBe(404);
      } finally {
        await backend.stop();
      }
    });

    it('runs on PostgreSQL, refuses file locations from the API and completes a task', async () => {
      const backend = await start();
      const unauthenticated = await fetch(
        `${backend.baseUrl}/api/scaffolder/v2/actions`,
      );
      expect(unauthenticated.status).toBe(401);
      await unauthenticated.text();

      const fileLocation = await api(
        backend,
        'POST',
        '/api/catalog/locations',
        {
          type: 'file',
          target: path.join(REPO_ROOT, 'catalog-info.yaml'),
        },
      );
      expect(fileLocation.status).toBe(400);
      expect(fileLocation.body.error.message).toBe(
        'Registered locations must be of an allowed type ["url"]',
      );

      await waitForEntity(backend, 'template:default/production-fixture');
      const created = await api(backend, 'POST', '/api/scaffolder/v2/tasks', {
        templateRef: 'template:default/production-fixture',
        values: { name: 'prod-first' },
      });
      expect(created.status).toBe(201);
      const task = await waitForTask(backend, created.body.id);
      if (task.status !== 'completed')
        throw new Error(await taskLog(backend, task.id));
      expect(
        await git.log({ fs, dir: path.join(reposDir, 'prod-first') }),
      ).toHaveLength(1);
      expect(
        pg.query(
          'postgres',
          "SELECT count(*) FROM pg_database WHERE datname LIKE 'backstage_plugin_%'",
        ),
      ).not.toBe('0');
    });

    it('shares the task queue between two replicas: 10 tasks, each run exactly once', async () => {
      const second = await start();
      const [first] = backends;
      await waitForEntity(second, 'template:default/production-fixture');
      const names = Array.from({ length: 10 }, (_, i) => `prod-svc-${i}`);
      const ids = await Promise.all(
        names.map(async (name, i) => {
          const res = await api(
            i % 2 ? second : first,
            'POST',
            '/api/scaffolder/v2/tasks',
            {
              templateRef: 'template:default/production-fixture',
              values: { name },
            },
          );
          expect(res.status).toBe(201);
          return res.body.id as string;
        }),
      );
      const tasks = await Promise.all(
        ids.map(id => waitForTask(first, id, 300_000)),
      );
      expect(tasks.map(t => t.status)).toEqual(Array(10).fill('completed'));

      for (const [i, name] of names.entries()) {
        const commits = await git.log({ fs, dir: path.join(reposDir, name) });
        expect(commits).toHaveLength(1);
        expect(commits[0].commit.message).toContain(
          `Scaffolder-Task: ${ids[i]}`,
        );
        // Each step ran once: one "Publishing" line per task.
        const log = await taskLog(first, ids[i]);
        expect(log.match(/Publishing '\.' as local repository/g)).toHaveLength(
          1,
        );
      }
      expect(
        fs
          .readdirSync(reposDir)
          .filter(d => d.startsWith('prod-svc-'))
          .sort(),
      ).toEqual([...names].sort());
      // Both replicas worked on the queue.
      const ranOn = (backend: RunningBackend) =>
        ids.filter(id => backend.logs().includes(id)).length;
      expect(ranOn(first) + ranOn(second)).toBeGreaterThanOrEqual(10);
    });
  },
);
