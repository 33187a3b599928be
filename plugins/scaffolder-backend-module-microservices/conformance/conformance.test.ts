/*
 * The conformance tier: for every stack whose toolchain is on PATH, render a small matrix through `yarn render`'s
 * code path, run the generated repository's own gates, build it, run it against a throw-away PostgreSQL, and
 * drive the service contract (docs/service-contract.md) from outside.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { renderFromTemplate } from '../src/cli/render';
import { freePort } from '../e2e/backend';
import { dockerContextFiles } from '../src/validation/dockerContext';
import { matrix } from './matrix';
import { OpenApiChecker } from './openapi';
import { findPostgresBin, ThrowawayPostgres } from './postgres';
import { request, startService, type RunningService } from './service';
import {
  BUILD_ENTRYPOINT,
  missingToolchain,
  runGate,
  toolchains,
} from './toolchains';

jest.setTimeout(30 * 60_000);

const SECRET = 'conformance-secret-that-is-long-enough-for-hs256';
const ISSUER = 'https://issuer.conformance.test';
const AUDIENCE = 'conformance-api';
const ALLOWED_ORIGIN = 'https://portal.example.com';
const MAX_BODY = 65536;

const summary: string[] = [];

function listFiles(root: string, dir = ''): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap(entry => {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, rel) : [rel];
    });
}
const onlyStacks = process.env.CONFORMANCE_STACKS?.split(',');
const postgresMissing = findPostgresBin()
  ? undefined
  : 'PostgreSQL server binaries not found under /usr/lib/postgresql';

afterAll(() => {
  const file = process.env.CONFORMANCE_SUMMARY_FILE;
  const text = summary.map(line => `  ${line}`).join('\n');
  if (file) fs.appendFileSync(file, `${text}\n`);
  process.stdout.write(`\nConformance: \n${text}\n`);
});

async function token(
  claims: {
    iss?: string;
    aud?: string;
    expiresIn?: string;
    secret?: string;
  } = {},
) {
  return new SignJWT({ sub: 'conformance' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(claims.secret ?? SECRET));
}

for (const toolchain of toolchains) {
  const skipped =
    (onlyStacks &&
      !onlyStacks.includes(toolchain.stack) &&
      'not in CONFORMANCE_STACKS') ||
    missingToolchain(toolchain) ||
    postgresMissing;
  if (skipped) {
    summary.push(`${toolchain.stack}: skipped — ${skipped}`);
    continue;
  }

  describe(`${toolchain.stack} conformance`, () => {
    let pg: ThrowawayPostgres;
    const passed: string[] = [];
    const failed: string[] = [];
    const work = fs.mkdtempSync(
      path.join(os.tmpdir(), `conformance-${toolchain.stack}-`),
    );

    beforeAll(async () => {
      pg = await ThrowawayPostgres.create();
    });

    afterAll(() => {
      pg?.destroy();
      fs.rmSync(work, { recursive: true, force: true });
      summary.push(
        `${toolchain.stack}: ran ${matrix.map(v => v.id).join(', ')} — ${
          passed.length
        } checks passed${
          failed.length ? `, ${failed.length} FAILED: ${failed.join('; ')}` : ''
        }`,
      );
    });

    // Records each check's outcome for the summary line.
    const check = (title: string, fn: () => Promise<void>) =>
      it(title, async () => {
        try {
          await fn();
          passed.push(title);
        } catch (error) {
          failed.push(title);
          throw error;
        }
      });

    for (const variant of matrix) {
      describe(variant.id, () => {
        const repo = path.join(work, variant.name);
        let databaseUrl = '';
        const database = variant.name.replace(/-/g, '_');
        let binary = '';
        let service: RunningService | undefined;
        let spec: OpenApiChecker;
        const collection = `/api/v1/${variant.plural}`;
        const itemTemplate = `${collection}/{id}`;
        let auth: Record<string, string> = {};

        afterAll(async () => {
          await service?.stop();
        });

        check(`${variant.id}: renders`, async () => {
          const files = await renderFromTemplate({
            parameters: {
              stack: toolchain.stack,
              name: variant.name,
              owner: 'group:default/team-a',
              ...variant.parameters,
            },
            out: repo,
          });
          expect(files).toEqual(
            expect.arrayContaining([
              'openapi.yaml',
              'catalog-info.yaml',
              'README.md',
            ]),
          );
          spec = new OpenApiChecker(path.join(repo, 'openapi.yaml'));
          databaseUrl = pg.createDatabase(database);
          if (variant.auth) auth = { authorization: `Bearer ${await token()}` };
        });

        for (const gate of toolchain.gates) {
          check(`${variant.id}: ${gate.title}`, async () => {
            const env = {
              ...toolchain.env,
              ...(gate.needsDatabase ? { DATABASE_URL: databaseUrl } : {}),
            };
            const result = runGate(gate, repo, env);
            expect({
              status: result.status,
              output: result.output.slice(-6000),
            }).toMatchObject({ status: 0 });
            if (gate.expectEmptyOutput) expect(result.output.trim()).toBe('');
            if (gate.needsDatabase)
              expect(result.output).not.toMatch(/DATABASE_URL not set/);
          });
        }

        check(
          `${variant.id}: builds through make build inside the Docker build context (the Dockerfile's and CI's entrypoint)`,
          async () => {
            // Only what .dockerignore lets into an image build, so a file the build needs but the image
            // context drops fails here too.
            const context = path.join(work, `${variant.name}-image-context`);
            const files = dockerContextFiles(
              listFiles(repo),
              fs.readFileSync(path.join(repo, '.dockerignore'), 'utf8'),
            );
            for (const file of files) {
              fs.mkdirSync(path.dirname(path.join(context, file)), {
                recursive: true,
              });
              fs.copyFileSync(path.join(repo, file), path.join(context, file));
            }
            const target = toolchain.binary(context, variant.name);
            fs.rmSync(target, { force: true });
            const result = runGate(BUILD_ENTRYPOINT, context, toolchain.env);
            expect({
              status: result.status,
              output: result.output.slice(-6000),
            }).toMatchObject({ status: 0 });
            expect(fs.existsSync(target)).toBe(true);
            binary = target;
          },
        );

        check(
          `${variant.id}: starts against PostgreSQL and serves health, ready and metrics`,
          async () => {
            const env: Record<string, string> = {
              DATABASE_URL: databaseUrl,
              LOG_LEVEL: 'info',
              MAX_BODY_BYTES: String(MAX_BODY),
              CORS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
              SHUTDOWN_TIMEOUT_SECONDS: '10',
              ...(variant.auth
                ? {
                    JWT_SECRET: SECRET,
                    JWT_ISSUER: ISSUER,
                    JWT_AUDIENCE: AUDIENCE,
                  }
                : {}),
            };
            service = await startService(binary, env, await freePort());
            const health = await request(service.baseUrl, 'GET', '/health');
            expect([health.status, health.json]).toEqual([
              200,
              { status: 'ok' },
            ]);
            expect(spec.check('GET', '/health', 200, health.json)).toEqual([]);
            const ready = await request(service.baseUrl, 'GET', '/ready');
            expect(ready.status).toBe(200);
            expect(spec.check('GET', '/ready', 200, ready.json)).toEqual([]);
            // Migrations ran: the resource's table exists.
            expect(
              pg.query(
                database,
                `SELECT to_regclass('public.${variant.plural}') IS NOT NULL`,
              ),
            ).toBe('t');
          },
        );

        if (variant.auth) {
          check(
            `${variant.id}: JWT 401 without or with a bad token, 200 with a valid one`,
            async () => {
              const base = service!.baseUrl;
              const none = await request(base, 'GET', collection);
              expect(none.status).toBe(401);
              expect(none.json?.error?.code).toBe('unauthorized');
              expect(String(none.headers['www-authenticate'])).toMatch(
                /^Bearer/,
              );
              for (const bad of [
                await token({
                  secret: 'another-secret-that-is-long-enough-for-hs256',
                }),
                await token({ iss: 'https://evil.example' }),
                await token({ aud: 'other-api' }),
                await token({ expiresIn: '-1m' }),
              ]) {
                const res = await request(base, 'GET', collection, {
                  headers: { authorization: `Bearer ${bad}` },
                });
                expect([res.status, res.json?.error?.code]).toEqual([
                  401,
                  'unauthorized',
                ]);
              }
              const ok = await request(base, 'GET', collection, {
                headers: auth,
              });
              expect(ok.status).toBe(200);
              // Probes stay open.
              expect((await request(base, 'GET', '/health')).status).toBe(200);
            },
          );
        }

        check(
          `${variant.id}: create, list and get with validation errors, 404 and 409`,
          async () => {
            const base = service!.baseUrl;
            const json = { 'content-type': 'application/json', ...auth };
            const created = await request(base, 'POST', collection, {
              headers: json,
              body: JSON.stringify({
                email: 'ada@example.com',
                name: 'Ada Lovelace',
              }),
            });
            expect(created.status).toBe(201);
            expect(spec.check('POST', collection, 201, created.json)).toEqual(
              [],
            );
            expect(created.json).toMatchObject({
              email: 'ada@example.com',
              name: 'Ada Lovelace',
            });
            expect(created.headers.location).toBe(
              `${collection}/${created.json.id}`,
            );

            const got = await request(
              base,
              'GET',
              `${collection}/${created.json.id}`,
              { headers: auth },
            );
            expect([got.status, got.json]).toEqual([200, created.json]);
            expect(spec.check('GET', itemTemplate, 200, got.json)).toEqual([]);

            const list = await request(
              base,
              'GET',
              `${collection}?limit=10&offset=0`,
              { headers: auth },
            );
            expect(list.status).toBe(200);
            expect(spec.check('GET', collection, 200, list.json)).toEqual([]);
            expect(list.json).toMatchObject({ limit: 10, offset: 0 });
            expect(list.json.items.map((i: any) => i.id)).toContain(
              created.json.id,
            );

            const duplicate = await request(base, 'POST', collection, {
              headers: json,
              body: JSON.stringify({
                email: 'ada@example.com',
                name: 'Another Ada',
              }),
            });
            expect([duplicate.status, duplicate.json?.error?.code]).toEqual([
              409,
              'conflict',
            ]);
            expect(spec.check('POST', collection, 409, duplicate.json)).toEqual(
              [],
            );

            for (const [body, field] of [
              [{ name: 'No Email' }, 'email'],
              [{ email: 'not-an-email', name: 'X' }, 'email'],
              [{ email: 'x@example.com', name: '   ' }, 'name'],
              [{ email: 'x@example.com', name: 'x'.repeat(201) }, 'name'],
            ] as const) {
              const res = await request(base, 'POST', collection, {
                headers: json,
                body: JSON.stringify(body),
              });
              expect([
                res.status,
                res.json?.error?.code,
                res.json?.error?.field,
              ]).toEqual([400, 'validation_failed', field]);
              expect(spec.check('POST', collection, 400, res.json)).toEqual([]);
            }
            const malformed = await request(base, 'POST', collection, {
              headers: json,
              body: '{"email":',
            });
            expect([malformed.status, malformed.json?.error?.code]).toEqual([
              400,
              'bad_request',
            ]);

            const missing = await request(
              base,
              'GET',
              `${collection}/00000000-0000-4000-8000-000000000000`,
              { headers: auth },
            );
            expect([missing.status, missing.json?.error?.code]).toEqual([
              404,
              'not_found',
            ]);
            expect(spec.check('GET', itemTemplate, 404, missing.json)).toEqual(
              [],
            );
            const badId = await request(
              base,
              'GET',
              `${collection}/not-a-uuid`,
              { headers: auth },
            );
            expect([badId.status, badId.json?.error?.field]).toEqual([
              400,
              'id',
            ]);

            for (const query of [
              'limit=0',
              'limit=101',
              'limit=abc',
              'offset=-1',
            ]) {
              const res = await request(base, 'GET', `${collection}?${query}`, {
                headers: auth,
              });
              expect([query, res.status, res.json?.error?.field]).toEqual([
                query,
                400,
                query.split('=')[0],
              ]);
            }
            const unknown = await request(base, 'GET', '/no/such/path', {
              headers: auth,
            });
            expect([unknown.status, unknown.json?.error?.code]).toEqual([
              404,
              'not_found',
            ]);
          },
        );

        check(
          `${variant.id}: request logs carry the W3C trace id`,
          async () => {
            const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
            await request(service!.baseUrl, 'GET', collection, {
              headers: {
                ...auth,
                traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
              },
            });
            await new Promise(r => setTimeout(r, 200));
            const lines = service!
              .logs()
              .split('\n')
              .filter(l => l.startsWith('{'));
            const entries = lines.map(l => JSON.parse(l));
            const hit = entries.find(e => JSON.stringify(e).includes(traceId));
            expect(hit).toBeDefined();
            const flat = JSON.stringify(hit);
            expect(flat).toContain(collection);
            expect(flat).toMatch(/"status":200/);
          },
        );

        check(
          `${variant.id}: metrics count requests by method, route template and status`,
          async () => {
            const metrics = await request(service!.baseUrl, 'GET', '/metrics');
            expect(metrics.status).toBe(200);
            const text = metrics.text;
            const series = (name: string) =>
              text.split('\n').filter(l => l.startsWith(name));
            const counters = series('http_requests_total{');
            const has = (method: string, route: string, status: string) =>
              counters.some(
                l =>
                  l.includes(`method="${method}"`) &&
                  l.includes(`route="${route}"`) &&
                  l.includes(`status="${status}"`),
              );
            expect(has('POST', collection, '201')).toBe(true);
            expect(has('GET', itemTemplate, '404')).toBe(true);
            expect(has('GET', '/health', '200')).toBe(true);
            expect(
              counters.some(
                l =>
                  l.includes(`route="/api/v1/${variant.plural}/`) &&
                  !l.includes('{id}'),
              ),
            ).toBe(false);
            expect(
              series('http_request_duration_seconds_bucket{').some(l =>
                l.includes(`route="${collection}"`),
              ),
            ).toBe(true);
          },
        );

        check(
          `${variant.id}: CORS allows only the configured origin`,
          async () => {
            const base = service!.baseUrl;
            const preflight = {
              origin: ALLOWED_ORIGIN,
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'authorization,content-type',
            };
            const allowed = await request(base, 'OPTIONS', collection, {
              headers: preflight,
            });
            expect([204, 200]).toContain(allowed.status);
            expect(allowed.headers['access-control-allow-origin']).toBe(
              ALLOWED_ORIGIN,
            );
            const denied = await request(base, 'OPTIONS', collection, {
              headers: { ...preflight, origin: 'https://evil.example' },
            });
            expect(
              denied.headers['access-control-allow-origin'],
            ).toBeUndefined();
            const simple = await request(base, 'GET', '/health', {
              headers: { origin: ALLOWED_ORIGIN },
            });
            expect(simple.headers['access-control-allow-origin']).toBe(
              ALLOWED_ORIGIN,
            );
            const simpleDenied = await request(base, 'GET', '/health', {
              headers: { origin: 'https://evil.example' },
            });
            expect(
              simpleDenied.headers['access-control-allow-origin'],
            ).toBeUndefined();
          },
        );

        check(
          `${variant.id}: a body over the limit gets 413 JSON`,
          async () => {
            const big = JSON.stringify({
              email: 'big@example.com',
              name: 'x'.repeat(MAX_BODY * 2),
            });
            const res = await request(service!.baseUrl, 'POST', collection, {
              headers: { 'content-type': 'application/json', ...auth },
              body: big,
            });
            expect([res.status, res.json?.error?.code]).toEqual([
              413,
              'payload_too_large',
            ]);
          },
        );

        check(
          `${variant.id}: database down → ready 503 and API 503 JSON; back → recovers without restart`,
          async () => {
            const base = service!.baseUrl;
            pg.stop();
            try {
              const ready = await request(base, 'GET', '/ready');
              expect(ready.status).toBe(503);
              expect(spec.check('GET', '/ready', 503, ready.json)).toEqual([]);
              const list = await request(base, 'GET', collection, {
                headers: auth,
              });
              expect([list.status, list.json?.error?.code]).toEqual([
                503,
                'unavailable',
              ]);
              expect((await request(base, 'GET', '/health')).status).toBe(200);
            } finally {
              pg.start();
            }
            const deadline = Date.now() + 30_000;
            let status = 0;
            while (Date.now() < deadline) {
              status = (
                await request(base, 'GET', '/ready').catch(() => ({
                  status: 0,
                }))
              ).status;
              if (status === 200) break;
              await new Promise(r => setTimeout(r, 250));
            }
            expect(status).toBe(200);
            const list = await request(base, 'GET', collection, {
              headers: auth,
            });
            expect(list.status).toBe(200);
            expect(service!.child.exitCode).toBeNull();
          },
        );

        check(
          `${variant.id}: SIGTERM under load drains in-flight requests and exits 0`,
          async () => {
            const base = new URL(service!.baseUrl);
            // Requests whose bodies are half sent when SIGTERM arrives are truly in flight.
            const pending: Array<{ finishLater: () => void }> = [];
            const inFlight = Array.from({ length: 16 }, (_, i) => {
              const body = JSON.stringify({
                email: `load-${i}@example.com`,
                name: `Load ${i}`,
              });
              return new Promise<{ status: number }>((resolve, reject) => {
                const req = http.request(
                  {
                    host: base.hostname,
                    port: base.port,
                    path: collection,
                    method: 'POST',
                    agent: false,
                    headers: {
                      'content-type': 'application/json',
                      'content-length': Buffer.byteLength(body),
                      ...auth,
                    },
                  },
                  res => {
                    res.resume();
                    res.on('end', () =>
                      resolve({ status: res.statusCode ?? 0 }),
                    );
                  },
                );
                req.on('error', reject);
                req.write(body.slice(0, 10));
                pending.push({ finishLater: () => req.end(body.slice(10)) });
              });
            });
            await new Promise(r => setTimeout(r, 300));
            // Concurrent reads around the signal.
            const reads = Array.from({ length: 16 }, () =>
              request(base.origin, 'GET', `${collection}?limit=100`, {
                headers: auth,
              }),
            );
            service!.child.kill('SIGTERM');
            await new Promise(r => setTimeout(r, 300));
            // After the signal the service stops accepting connections.
            const late = await request(base.origin, 'GET', '/health').then(
              r => `answered ${r.status}`,
              e => String(e.code),
            );
            for (const req of pending) req.finishLater();
            const results = await Promise.all(inFlight);
            expect(results.map(r => r.status)).toEqual(Array(16).fill(201));
            expect(
              pg.query(
                database,
                `SELECT count(*) FROM "${variant.plural}" WHERE email LIKE 'load-%'`,
              ),
            ).toBe('16');
            expect(late).toBe('ECONNREFUSED');
            // A read either completed with 200, or never got past the kernel's accept queue when the listener
            // closed (refused or reset before any response byte); none may fail with an HTTP error.
            for (const r of await Promise.allSettled(reads)) {
              if (r.status === 'fulfilled') expect(r.value.status).toBe(200);
              else
                expect(['ECONNREFUSED', 'ECONNRESET']).toContain(
                  String((r.reason as any)?.code),
                );
            }
            expect(await service!.exited).toBe(0);
          },
        );
      });
    }
  });
}
