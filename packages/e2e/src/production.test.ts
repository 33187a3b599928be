/*
 * The backend with app-config.production.yaml on a real PostgreSQL: file locations are refused, and two
 * replicas sharing one database run every submitted task exactly once.
 */
import git from 'isomorphic-git';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { findPostgresBin, ThrowawayPostgres } from './postgres';
import {
  api,
  freePort,
  startBackend,
  taskLog,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from './backend';
import {
  launchChromium,
  OIDC_ACCOUNTS,
  signInThroughOidc,
  signInToPortal,
  startOidcProvider,
} from './oidc';
import { CHROMIUM, reviewAndCreate } from './portal';

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
    // Every backend's port is chosen before the identity provider starts: its client names each redirect URI.
    const ports: number[] = [];
    let startedCount = 0;
    let oidc: { issuer: string; stop(): Promise<void> };
    const oidcClient = {
      id: 'portal',
      secret: crypto.randomBytes(16).toString('hex'),
    };
    // Automation's second kind of externalAccess token: JWTs its own issuer signs, verified against the issuer's
    // JWKS (served here by the test), for one audience.
    const ci = {
      issuer: 'https://ci.example.test',
      audience: 'cross-stack-portal',
      kid: 'ci-key-1',
    };
    let ciKey: KeyLike;
    let jwksServer: http.Server;
    let jwksUrl = '';
    // A later config file replaces a list, so the fixture's location is added to production's own.
    const productionLocations = parse(
      fs.readFileSync(
        path.join(REPO_ROOT, 'app-config.production.yaml'),
        'utf8',
      ),
    ).catalog.locations;

    // The tests publish locally, into a directory both replicas share, to see what each task did; production
    // itself leaves local publishing off (`localPublishing: false` starts it exactly so).
    /** What app-config.production.yaml reads from the environment, as an operator sets it. */
    const productionEnv = (port: number) => ({
      // The portal's origin, where the sign-in handler posts its answer (app.baseUrl in production).
      BACKEND_BASE_URL: `http://127.0.0.1:${port}`,
      PLATFORM_GROUP: 'group:default/team-a',
      ORG_CATALOG_FILE: path.join(REPO_ROOT, 'catalog/org.yaml'),
      OIDC_METADATA_URL: `${oidc.issuer}/.well-known/openid-configuration`,
      OIDC_CLIENT_ID: oidcClient.id,
      OIDC_CLIENT_SECRET: oidcClient.secret,
      AUTH_SESSION_SECRET: crypto.randomBytes(16).toString('hex'),
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_PORT: String(pg.port),
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD: '',
    });

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
                {
                  type: 'jwks',
                  options: {
                    url: jwksUrl,
                    issuer: ci.issuer,
                    audience: ci.audience,
                    algorithm: 'ES256',
                    subjectPrefix: 'ci',
                  },
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
      const port = ports[startedCount++];
      const backend = await startBackend({
        configs: [path.join(REPO_ROOT, 'app-config.production.yaml'), extra],
        reposDir,
        token,
        port,
        env: productionEnv(port),
      });
      backends.push(backend);
      return backend;
    };

    beforeAll(async () => {
      // The portal app the backend serves, built when its inputs changed (as ./scripts/start.sh does).
      const build = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, 'scripts/build-app.mjs')],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          // The build's own environment: nothing jest sets (JEST_*, NODE_ENV=test) leaks into the bundler.
          env: Object.fromEntries(
            Object.entries(process.env).filter(
              ([k]) => !k.startsWith('JEST') && k !== 'NODE_ENV',
            ),
          ),
        },
      );
      if (build.status !== 0)
        throw new Error(
          `building the app failed:\n${build.stdout}${build.stderr}`,
        );
      const ciKeys = await generateKeyPair('ES256');
      ciKey = ciKeys.privateKey;
      const jwks = JSON.stringify({
        keys: [
          {
            ...(await exportJWK(ciKeys.publicKey)),
            kid: ci.kid,
            alg: 'ES256',
            use: 'sig',
          },
        ],
      });
      jwksServer = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(jwks);
      });
      await new Promise<void>(resolve =>
        jwksServer.listen(0, '127.0.0.1', resolve),
      );
      jwksUrl = `http://127.0.0.1:${
        (jwksServer.address() as { port: number }).port
      }/.well-known/jwks.json`;
      pg = await ThrowawayPostgres.create();
      for (let i = 0; i < 4; i++) ports.push(await freePort());
      oidc = await startOidcProvider({
        client: oidcClient,
        redirectUris: ports.map(
          p => `http://127.0.0.1:${p}/api/auth/oidc/handler/frame`,
        ),
        accounts: OIDC_ACCOUNTS,
      });
    });

    afterAll(async () => {
      jwksServer?.close();
      await oidc?.stop();
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

    it('refuses to start without the platform group or the session secret, saying which', async () => {
      for (const [missing, message] of [
        [
          'PLATFORM_GROUP',
          'microservices.permissions.platformGroup: required when permission.enabled is true',
        ],
        [
          'AUTH_SESSION_SECRET',
          'auth.session.secret: required for OpenID Connect sign-in (AUTH_SESSION_SECRET in app-config.production.yaml)',
        ],
      ]) {
        const port = await freePort();
        const env: Record<string, string> = productionEnv(port);
        delete env[missing];
        await expect(
          startBackend({
            configs: [path.join(REPO_ROOT, 'app-config.production.yaml')],
            port,
            env,
          }),
        ).rejects.toThrow(message);
      }
    });

    (fs.existsSync(CHROMIUM) ? describe : describe.skip)('in a browser', () => {
      it("people sign in through OpenID Connect as their catalog User; the update template is the platform team's; unknown people and wrong tokens are refused", async () => {
        const backend = await start();
        const browser = await launchChromium();
        try {
          const pat = await signInThroughOidc(browser, backend.baseUrl, 'pat');
          expect(pat).toMatchObject({
            userEntityRef: 'user:default/pat',
            ownershipEntityRefs: expect.arrayContaining([
              'group:default/team-a',
            ]),
          });
          const oli = await signInThroughOidc(browser, backend.baseUrl, 'oli');
          expect(oli).toMatchObject({
            userEntityRef: 'user:default/oli',
            ownershipEntityRefs: expect.arrayContaining([
              'group:default/team-b',
            ]),
          });
          const eve = await signInThroughOidc(browser, backend.baseUrl, 'eve');
          expect(eve).toEqual({
            error:
              "Sign-in refused: no User in the catalog has the e-mail address eve@example.com; ask the platform team to add you to the organisation's data",
          });

          const as = (who: { token?: string }) => ({
            ...backend,
            token: who.token,
          });
          const template = (name: string) =>
            `/api/catalog/entities/by-name/template/default/${name}`;
          await waitForEntity(backend, 'template:default/microservice-update');
          expect(
            (await api(as(pat), 'GET', template('microservice-update'))).status,
          ).toBe(200);
          expect(
            (await api(as(oli), 'GET', template('microservice-update'))).status,
          ).toBe(404);
          expect(
            (await api(as(oli), 'GET', template('microservice'))).status,
          ).toBe(200);

          // Running the update template: refused before a task exists.
          const tasks = async () =>
            (await api(backend, 'GET', '/api/scaffolder/v2/tasks')).body.tasks
              .length;
          const runUpdate = (who: { token?: string }) =>
            api(as(who), 'POST', '/api/scaffolder/v2/tasks', {
              templateRef: 'template:default/microservice-update',
              values: {
                location: 'github',
                repoUrl: 'github.com?owner=acme&repo=billing-api',
              },
            });
          const before = await tasks();
          const denied = await runUpdate(oli);
          expect([denied.status, denied.body.error?.message]).toEqual([
            403,
            'You may not run template:default/microservice-update: the permission policy does not let user:default/oli read it (catalog.entity.read)',
          ]);
          expect(await tasks()).toBe(before);
          // A template oli may not read and that does not exist stays a plain 404.
          const missing = await api(
            as(oli),
            'POST',
            '/api/scaffolder/v2/tasks',
            {
              templateRef: 'template:default/no-such-template',
              values: {},
            },
          );
          expect(missing.status).toBe(404);
          // The platform team may: the task is created (it then fails offline, cloning github.com).
          const allowed = await runUpdate(pat);
          expect(allowed.status).toBe(201);

          // In the portal: the sign-in page, the provider's pages, then the Create page as each person sees it.
          const createPage = async (login: string) => {
            const page = await signInToPortal(browser, backend.baseUrl, login);
            await page.goto(`${backend.baseUrl}/create`);
            await page
              .getByRole('heading', { name: 'Production-grade microservice' })
              .waitFor({ timeout: 60_000 });
            const update = await page
              .getByRole('heading', {
                name: 'Update a service from its template',
              })
              .count();
            await page.context().close();
            return update;
          };
          expect(await createPage('pat')).toBe(1);
          expect(await createPage('oli')).toBe(0);

          // The Service fleet page: only someone who may run the update template is offered Propose updates; the
          // others are told why.
          const fleetOffer = async (login: string) => {
            const page = await signInToPortal(browser, backend.baseUrl, login);
            await page.goto(`${backend.baseUrl}/microservices`);
            const offer = page
              .getByRole('button', { name: /^Propose updates/ })
              .or(page.getByText(/^Proposing updates is not offered to you/));
            await offer.waitFor({ timeout: 60_000 });
            const text = await offer.innerText();
            await page.context().close();
            return text;
          };
          expect(await fleetOffer('pat')).toMatch(/^Propose updates \(0\)$/i);
          expect(await fleetOffer('oli')).toBe(
            'Proposing updates is not offered to you: you cannot see the update template (template:default/microservice-update).',
          );

          // Creating a service in the portal, as each person: the owner starts as their own group. pat (platform
          // team) publishes on this backend's host; oli may not execute that action, and the portal says so
          // when Create is pressed: no task is created.
          const createService = async (login: string, name: string) => {
            const page = await signInToPortal(browser, backend.baseUrl, login);
            await page.goto(
              `${backend.baseUrl}/create/templates/default/microservice`,
            );
            await page
              .getByRole('radio', { name: /^Go/ })
              .check({ timeout: 60_000 });
            await page.getByRole('button', { name: 'Next' }).click();
            await page.getByRole('textbox', { name: 'Name' }).fill(name);
            // The owner field fills itself in once the catalog and the identity have answered.
            const owner = page.getByRole('textbox', { name: 'Owner' });
            const deadline = Date.now() + 30_000;
            while (!(await owner.inputValue()) && Date.now() < deadline)
              await page.waitForTimeout(200);
            const startingOwner = await owner.inputValue();
            await page.getByRole('button', { name: 'Next' }).click();
            await reviewAndCreate(page);
            return { page, startingOwner };
          };
          const beforeCreate = await tasks();
          const patCreates = await createService('pat', 'pats-service');
          expect(patCreates.startingOwner).toBe('team-a');
          await patCreates.page
            .getByRole('link', { name: 'Open in catalog' })
            .waitFor({ timeout: 180_000 });
          const entity = await waitForEntity(
            as(pat),
            'component:default/pats-service',
          );
          expect(entity.spec.owner).toBe('group:default/team-a');
          await patCreates.page.context().close();
          const afterPat = await tasks();
          expect(afterPat).toBe(beforeCreate + 1);

          const oliCreates = await createService('oli', 'olis-service');
          expect(oliCreates.startingOwner).toBe('team-b');
          const refusal =
            "You may not run template:default/microservice: its step 'Publish to a local git repository' executes microservice:publish:local, which the permission policy does not let user:default/oli execute (scaffolder.action.execute). No task was created.";
          await oliCreates.page
            .getByText(refusal, { exact: false })
            .first()
            .waitFor({ timeout: 60_000 });
          fs.mkdirSync(path.join(__dirname, '../screenshots'), {
            recursive: true,
          });
          await oliCreates.page.screenshot({
            path: path.join(__dirname, '../screenshots/production-refused.png'),
          });
          await oliCreates.page.context().close();
          expect(await tasks()).toBe(afterPat);
          // The same over REST.
          const restRefusal = await api(
            as(oli),
            'POST',
            '/api/scaffolder/v2/tasks',
            {
              templateRef: 'template:default/microservice',
              values: {
                name: 'olis-service',
                owner: 'group:default/team-b',
                stack: 'go',
              },
            },
          );
          expect([restRefusal.status, restRefusal.body.error?.message]).toEqual(
            [403, refusal],
          );
          expect(await tasks()).toBe(afterPat);

          // A JWT from the CI issuer: accepted while valid, for this audience, signed by the issuer's key.
          const ciToken = async (
            claims: { aud?: string; iss?: string; exp?: string | number } = {},
            key: KeyLike = ciKey,
          ) =>
            new SignJWT({})
              .setProtectedHeader({ alg: 'ES256', kid: ci.kid })
              .setSubject('release-pipeline')
              .setIssuer(claims.iss ?? ci.issuer)
              .setAudience(claims.aud ?? ci.audience)
              .setIssuedAt()
              .setExpirationTime(claims.exp ?? '10m')
              .sign(key);
          const actionsWith = async (jwt: string) =>
            (
              await api(
                { ...backend, token: jwt },
                'GET',
                '/api/scaffolder/v2/actions',
              )
            ).status;
          expect(await actionsWith(await ciToken())).toBe(200);
          const otherKey = (await generateKeyPair('ES256')).privateKey;
          expect({
            expired: await actionsWith(
              await ciToken({ exp: Math.floor(Date.now() / 1000) - 60 }),
            ),
            'signed by another key': await actionsWith(
              await ciToken({}, otherKey),
            ),
            'for another audience': await actionsWith(
              await ciToken({ aud: 'some-other-service' }),
            ),
            'from another issuer': await actionsWith(
              await ciToken({ iss: 'https://elsewhere.example.test' }),
            ),
          }).toEqual({
            expired: 401,
            'signed by another key': 401,
            'for another audience': 401,
            'from another issuer': 401,
          });

          // Without credentials, or with a token nobody issued: 401.
          for (const wrong of [
            undefined,
            'not-a-token-anyone-issued-0123456789',
          ])
            expect(
              (
                await api(
                  { ...backend, token: wrong },
                  'GET',
                  '/api/scaffolder/v2/actions',
                )
              ).status,
            ).toBe(401);
        } finally {
          await browser.close();
          backends.splice(backends.indexOf(backend), 1);
          await backend.stop();
        }
      });
    });

    it('runs on PostgreSQL, refuses file locations from the API and completes a task', async () => {
      const backend = await start();
      const unauthenticated = await fetch(
        `${backend.baseUrl}/api/scaffolder/v2/actions`,
      );
      expect(unauthenticated.status).toBe(401);
      await unauthenticated.text();
      // The embedded default's guest provider is not installed (app-config.production.yaml masks it), though the
      // test's backends run with NODE_ENV=development, where it would sign anyone in.
      const guest = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`);
      expect(guest.status).toBe(404);
      await guest.text();

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
