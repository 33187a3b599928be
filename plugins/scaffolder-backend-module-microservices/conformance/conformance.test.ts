/*
 * The conformance tier: for every stack whose toolchain and package source this machine has (toolchains.ts
 * probes both at run time), render a small matrix through `yarn render`'s code path, run the generated
 * repository's own gates, build it, run it against a throw-away PostgreSQL, and drive the service contract
 * (docs/service-contract.md) from outside.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { renderFromTemplate } from '../src/cli/render';
import { dockerContextFiles } from '../testUtils/dockerContext';
import { matrix } from './matrix';
import { OpenApiDocument, type ObservedResponse } from './openapi';
import { findPostgresBin, freePort, ThrowawayPostgres } from 'e2e';
import { bodyCases, idCases, queryCases, type RuleCase } from './requestRules';
import {
  eventually,
  isLoud,
  logEntries,
  loggedListening,
  observeResponses,
  request,
  runUntilExit,
  sendBody,
  startOtlpReceiver,
  startService,
  trickleHeaders,
  type RunningService,
} from './service';
import {
  BUILD_ENTRYPOINT,
  stackUnavailable,
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

function writeSummary() {
  const file = process.env.CONFORMANCE_SUMMARY_FILE;
  const text = summary.map(line => `  ${line}`).join('\n');
  if (file) fs.appendFileSync(file, `${text}\n`);
  process.stdout.write(`\nConformance: \n${text}\n`);
}
let stacksRun = 0;

/** An HS256 token; `exp`/`nbf` are seconds from now (`exp: null` leaves it out). */
async function token(
  claims: {
    iss?: string;
    aud?: string;
    exp?: number | null;
    nbf?: number;
    secret?: string;
  } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ sub: 'conformance' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt();
  if (claims.exp !== null) jwt.setExpirationTime(now + (claims.exp ?? 300));
  if (claims.nbf !== undefined) jwt.setNotBefore(now + claims.nbf);
  return jwt.sign(new TextEncoder().encode(claims.secret ?? SECRET));
}

/** Fails with the command's last output lines (jest's object diff would show only the exit status). */
function expectSuccess(
  command: { command: string; args: string[] },
  result: ReturnType<typeof runGate>,
) {
  if (result.status !== 0)
    throw new Error(
      `'${[command.command, ...command.args].join(' ')}' exited with ${
        result.status ?? result.error
      }:\n${result.output.slice(-6000)}`,
    );
}

/** Why the tier skips a stack, or undefined when it runs; throws when the probe cannot be built. */
function whySkipped(toolchain: (typeof toolchains)[number]) {
  if (onlyStacks && !onlyStacks.includes(toolchain.stack))
    return 'not in CONFORMANCE_STACKS';
  return stackUnavailable(toolchain) || postgresMissing;
}

for (const toolchain of toolchains) {
  let skipped: string | undefined;
  try {
    skipped = whySkipped(toolchain);
  } catch (error) {
    // A fault of this repository (a skeleton without what the probe reads), not of the machine: it fails.
    const message = (error as Error).message;
    summary.push(
      `${toolchain.stack}: FAILED — probing its toolchain: ${message}`,
    );
    stacksRun++;
    it(`${toolchain.stack} conformance: probes the toolchain and its package source`, () => {
      throw error;
    });
    continue;
  }
  if (skipped) {
    summary.push(`${toolchain.stack}: skipped — ${skipped}`);
    // Counted as skipped in jest's totals too (and a run where every stack is skipped is not an empty suite).
    // eslint-disable-next-line jest/no-disabled-tests -- a stack this machine cannot run is reported, not hidden
    it.skip(`${toolchain.stack} conformance: skipped — ${skipped}`, () => {});
    continue;
  }

  stacksRun++;
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
        let spec: OpenApiDocument;
        // Every answer the tier receives for this variant, checked against openapi.yaml at the end.
        const received: ObservedResponse[] = [];
        beforeAll(() => {
          observeResponses((method, url, result) =>
            received.push({ method, url, ...result }),
          );
        });
        const collection = `/api/v1/${variant.plural}`;
        const itemTemplate = `${collection}/{id}`;
        let auth: Record<string, string> = {};

        afterAll(async () => {
          observeResponses(undefined);
          await service?.stop();
        });

        /** The environment every instance of this variant runs with. */
        const serviceEnv = (url: string): Record<string, string> => ({
          DATABASE_URL: url,
          LOG_LEVEL: 'info',
          MAX_BODY_BYTES: String(MAX_BODY),
          CORS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
          SHUTDOWN_TIMEOUT_SECONDS: '10',
          SHUTDOWN_DELAY_SECONDS: '2',
          ...(variant.auth
            ? { JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }
            : {}),
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
          spec = new OpenApiDocument(path.join(repo, 'openapi.yaml'));
          databaseUrl = pg.createDatabase(database);
        });

        // A token minted when each check runs: a cold build can take longer than any token's lifetime.
        beforeEach(async () => {
          if (variant.auth) auth = { authorization: `Bearer ${await token()}` };
        });

        for (const gate of toolchain.gates) {
          check(`${variant.id}: ${gate.title}`, async () => {
            const env = {
              ...toolchain.env,
              ...(gate.needsDatabase ? { DATABASE_URL: databaseUrl } : {}),
              ...(gate.withoutDatabase ? { DATABASE_URL: undefined } : {}),
            };
            const result = runGate(gate, repo, env);
            expectSuccess(gate, result);
            if (gate.expectEmptyOutput) expect(result.output.trim()).toBe('');
            if (gate.expectOutput)
              expect(result.output).toMatch(gate.expectOutput);
            if (gate.rejectOutput)
              expect(result.output).not.toMatch(gate.rejectOutput);
          });
        }

        check(
          `${variant.id}: builds through make build inside the Docker build context (the Dockerfile's and CI's entrypoint; a debug build)`,
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
            const target = toolchain.binary(context, variant.name, true);
            fs.rmSync(target, { force: true });
            const build = {
              command: BUILD_ENTRYPOINT.command,
              args: [...BUILD_ENTRYPOINT.args, ...toolchain.debugBuildArgs],
            };
            expectSuccess(build, runGate(build, context, toolchain.env));
            expect(fs.existsSync(target)).toBe(true);
            expect(
              toolchain.buildOutputProblems?.(context, variant.name) ?? [],
            ).toEqual([]);
            binary = target;
          },
        );

        check(
          `${variant.id}: refuses unsafe configuration at start, naming the variable; "listening" only once bound`,
          async () => {
            const refusals: Array<[string, Record<string, string>]> = [
              ['SHUTDOWN_TIMEOUT_SECONDS', { SHUTDOWN_TIMEOUT_SECONDS: '0' }],
              ['MAX_BODY_BYTES', { MAX_BODY_BYTES: '0' }],
            ];
            if (variant.auth)
              refusals.push([
                'JWT_SECRET',
                { JWT_SECRET: 'x'.repeat(31) }, // one byte short of 256 bits
              ]);
            for (const [variable, override] of refusals) {
              const run = await runUntilExit(binary, {
                ...serviceEnv(databaseUrl),
                PORT: String(await freePort()),
                ...override,
              });
              expect([variable, run.code === 0, run.output]).toEqual([
                variable,
                false,
                expect.stringContaining(variable),
              ]);
              expect(run.output).not.toMatch(/listening/i);
            }
            // The port is taken: the service must fail without ever claiming to listen.
            const taken = net.createServer();
            await new Promise<void>(resolve =>
              taken.listen(0, '0.0.0.0', resolve),
            );
            try {
              const run = await runUntilExit(binary, {
                ...serviceEnv(databaseUrl),
                PORT: String((taken.address() as net.AddressInfo).port),
              });
              expect(run.code).not.toBe(0);
              expect(loggedListening(run.output)).toBe(false);
            } finally {
              taken.close();
            }
          },
        );

        check(
          `${variant.id}: starts against PostgreSQL and serves health, ready and metrics`,
          async () => {
            service = await startService(
              binary,
              serviceEnv(databaseUrl),
              await freePort(),
            );
            const health = await request(service.baseUrl, 'GET', '/health');
            expect([health.status, health.json]).toEqual([
              200,
              { status: 'ok' },
            ]);
            const ready = await request(service.baseUrl, 'GET', '/ready');
            expect(ready.status).toBe(200);
            expect(loggedListening(service.logs())).toBe(true);
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
                await token({ exp: -120 }),
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

          check(
            `${variant.id}: JWT leeway of at most 60 s, exp required, nbf honoured, error="invalid_token" on a bad token`,
            async () => {
              const base = service!.baseUrl;
              const statusWith = async (jwt: string) => {
                const res = await request(base, 'GET', collection, {
                  headers: { authorization: `Bearer ${jwt}` },
                });
                return res.status;
              };
              expect({
                'expired 10 s ago (within the leeway)': await statusWith(
                  await token({ exp: -10 }),
                ),
                'expired 90 s ago': await statusWith(await token({ exp: -90 })),
                'no exp': await statusWith(await token({ exp: null })),
                'nbf 10 s ahead (within the leeway)': await statusWith(
                  await token({ nbf: 10 }),
                ),
                'nbf 90 s ahead': await statusWith(await token({ nbf: 90 })),
              }).toEqual({
                'expired 10 s ago (within the leeway)': 200,
                'expired 90 s ago': 401,
                'no exp': 401,
                'nbf 10 s ahead (within the leeway)': 200,
                'nbf 90 s ahead': 401,
              });
              const bad = await request(base, 'GET', collection, {
                headers: {
                  authorization: `Bearer ${await token({ exp: -90 })}`,
                },
              });
              expect(String(bad.headers['www-authenticate'])).toMatch(
                /^Bearer\b.*error="invalid_token"/,
              );
              const none = await request(base, 'GET', collection);
              expect(String(none.headers['www-authenticate'])).toMatch(
                /^Bearer/,
              );
              expect(String(none.headers['www-authenticate'])).not.toMatch(
                /error=/,
              );
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

            const list = await request(
              base,
              'GET',
              `${collection}?limit=10&offset=0`,
              { headers: auth },
            );
            expect(list.status).toBe(200);
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
            // Email uniqueness ignores case; the address is stored as given.
            const shouting = await request(base, 'POST', collection, {
              headers: json,
              body: JSON.stringify({
                email: 'ADA@Example.COM',
                name: 'Ada Again',
              }),
            });
            expect([shouting.status, shouting.json?.error?.code]).toEqual([
              409,
              'conflict',
            ]);
            const mixed = await request(base, 'POST', collection, {
              headers: json,
              body: JSON.stringify({
                email: 'Grace.Hopper@Example.com',
                name: 'Grace Hopper',
              }),
            });
            expect([mixed.status, mixed.json?.email]).toEqual([
              201,
              'Grace.Hopper@Example.com',
            ]);

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
          `${variant.id}: every request rule openapi.yaml declares holds just inside and just outside its bounds`,
          async () => {
            const base = service!.baseUrl;
            const cases: RuleCase[] = [
              ...bodyCases(spec, collection),
              ...queryCases(spec, collection),
              ...idCases(spec, itemTemplate),
            ];
            // Each case's answer beside what the document promises, all compared at once so one run shows
            // every disagreement.
            const outcomes = [];
            for (const c of cases) {
              const res = await request(base, c.method, c.url, {
                headers: {
                  ...auth,
                  ...(c.body !== undefined
                    ? { 'content-type': 'application/json' }
                    : {}),
                },
                body: c.body,
              });
              const got: Record<string, unknown> = {
                status: res.status,
                ...(res.status === 400
                  ? {
                      code: res.json?.error?.code,
                      field: res.json?.error?.field,
                    }
                  : {}),
              };
              const promised: Record<string, unknown> = {
                status: c.expect.status,
                ...(c.expect.status === 400
                  ? { code: 'validation_failed', field: c.expect.field }
                  : {}),
              };
              if (c.stored && res.status === 201) {
                got.stored = { email: res.json?.email, name: res.json?.name };
                promised.stored = c.stored;
              }
              if (c.page && res.status === 200) {
                // Exact decimal text: a 64-bit offset does not survive a JavaScript number.
                got.page = {
                  limit: /"limit":\s*(-?\d+)/.exec(res.text)?.[1],
                  offset: /"offset":\s*(-?\d+)/.exec(res.text)?.[1],
                };
                promised.page = c.page;
              }
              outcomes.push({ case: c.title, got, promised });
            }
            expect(
              outcomes.filter(
                o => JSON.stringify(o.got) !== JSON.stringify(o.promised),
              ),
            ).toEqual([]);
            // The cases reach both outcomes of every rule family, so none of them is vacuous.
            const statuses = (prefix: string) =>
              new Set(
                cases
                  .filter(c => c.title.startsWith(prefix))
                  .map(c => c.expect.status),
              );
            for (const prefix of ['email:', 'name:', 'limit:', 'offset:'])
              expect([prefix, [...statuses(prefix)].sort()]).toEqual([
                prefix,
                prefix.startsWith('l') || prefix.startsWith('o')
                  ? [200, 400]
                  : [201, 400],
              ]);
            expect([...statuses('id:')].sort()).toEqual([400, 404]);
          },
        );

        check(
          `${variant.id}: a wrong method on a known route is 405 JSON with Allow; odd methods are counted as _OTHER`,
          async () => {
            const base = service!.baseUrl;
            const del = await request(base, 'DELETE', collection, {
              headers: auth,
            });
            expect([del.status, del.json?.error?.code]).toEqual([
              405,
              'method_not_allowed',
            ]);
            const allow = String(del.headers.allow ?? '')
              .split(',')
              .map(m => m.trim())
              .filter(Boolean);
            expect(allow).toEqual(expect.arrayContaining(['GET', 'POST']));
            expect(allow).not.toContain('DELETE');
            const put = await request(
              base,
              'PUT',
              `${collection}/${'0'.repeat(8)}-0000-4000-8000-000000000000`,
              {
                headers: auth,
              },
            );
            expect(put.status).toBe(405);
            expect(String(put.headers.allow)).toMatch(/\bGET\b/);
            for (const odd of ['FOO', 'PROPFIND']) {
              const res = await request(base, odd, collection, {
                headers: auth,
              });
              expect([odd, res.status]).toEqual([odd, 405]);
            }
            const metrics = (await request(base, 'GET', '/metrics')).text;
            const counters = metrics
              .split('\n')
              .filter(l => l.startsWith('http_requests_total{'));
            expect(counters.some(l => /method="(FOO|PROPFIND)"/.test(l))).toBe(
              false,
            );
            expect(
              counters.some(
                l =>
                  l.includes('method="_OTHER"') &&
                  l.includes(`route="${collection}"`) &&
                  l.includes('status="405"'),
              ),
            ).toBe(true);
            expect(
              counters.some(
                l =>
                  l.includes('method="DELETE"') &&
                  l.includes(`route="${collection}"`) &&
                  l.includes('status="405"'),
              ),
            ).toBe(true);
            const methods = new Set(
              counters.map(l => /method="([^"]*)"/.exec(l)?.[1]),
            );
            for (const method of methods)
              expect([
                'GET',
                'HEAD',
                'POST',
                'PUT',
                'PATCH',
                'DELETE',
                'OPTIONS',
                'CONNECT',
                'TRACE',
                '_OTHER',
              ]).toContain(method);
          },
        );

        check(`${variant.id}: probes are not logged at info`, async () => {
          const base = service!.baseUrl;
          for (const probe of ['/health', '/ready', '/metrics'])
            expect((await request(base, 'GET', probe)).status).toBe(200);
          await new Promise(r => setTimeout(r, 200));
          const probeLines = logEntries(service!.logs()).filter(e =>
            /"(\/health|\/ready|\/metrics)"/.test(JSON.stringify(e)),
          );
          expect(probeLines).toEqual([]);
          // Other requests still are.
          expect(
            logEntries(service!.logs()).some(e =>
              JSON.stringify(e).includes(`"${collection}"`),
            ),
          ).toBe(true);
        });

        check(
          `${variant.id}: a client that disconnects while the database is slow is not an outage (no 503, no WARN)`,
          async () => {
            const base = service!.baseUrl;
            const logsBefore = service!.logs().length;
            const lock = await pg.holdLock(database, variant.plural, 2);
            const gaveUp = await request(base, 'GET', collection, {
              headers: auth,
              timeoutMs: 400,
            }).then(
              r => `answered ${r.status}`,
              e => String(e.message),
            );
            expect(gaveUp).toMatch(/timed out/);
            if (lock.exitCode === null && lock.signalCode === null)
              await new Promise(resolve => lock.once('exit', resolve));
            const after = await request(base, 'GET', collection, {
              headers: auth,
            });
            expect(after.status).toBe(200);
            await new Promise(r => setTimeout(r, 300));
            const metrics = (await request(base, 'GET', '/metrics')).text;
            expect(
              metrics
                .split('\n')
                .filter(
                  l =>
                    l.startsWith('http_requests_total{') &&
                    l.includes('status="503"'),
                ),
            ).toEqual([]);
            const loud = logEntries(service!.logs().slice(logsBefore)).filter(
              isLoud,
            );
            expect(loud).toEqual([]);
          },
        );

        check(
          `${variant.id}: a client that trickles its headers is cut off (header-read timeout)`,
          async () => {
            const [openFor, health] = await Promise.all([
              trickleHeaders(service!.baseUrl, 30_000),
              // Meanwhile others are served.
              new Promise(r => setTimeout(r, 1000)).then(() =>
                request(service!.baseUrl, 'GET', '/health'),
              ),
            ]);
            expect(health.status).toBe(200);
            // The contract's header-read timeout is 5 s; a few seconds of slack for a loaded machine.
            expect(openFor).toBeLessThan(12_000);
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
            // A client that sends a 4 MiB body whole still receives the answer, not a reset.
            const huge = await sendBody(
              service!.baseUrl,
              'POST',
              collection,
              { 'content-type': 'application/json', ...auth },
              Buffer.alloc(4 * 1024 * 1024, 'x'),
            );
            expect([huge.status, huge.json?.error?.code]).toEqual([
              413,
              'payload_too_large',
            ]);
            expect(
              (await request(service!.baseUrl, 'GET', '/health')).status,
            ).toBe(200);
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
              const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
              const logsBefore = service!.logs().length;
              const list = await request(base, 'GET', collection, {
                headers: {
                  ...auth,
                  traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
                },
              });
              expect([list.status, list.json?.error?.code]).toEqual([
                503,
                'unavailable',
              ]);
              await new Promise(r => setTimeout(r, 200));
              // The warning about the database, written during the request, carries its trace id too.
              const during = logEntries(
                service!.logs().slice(logsBefore),
              ).filter(e => JSON.stringify(e).includes(traceId));
              expect(during.length).toBeGreaterThanOrEqual(2);
              expect(during.some(isLoud)).toBe(true);
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
            // At once /ready says 503, so the load balancer stops routing here, while requests are still served.
            const readyAfter = await request(base.origin, 'GET', '/ready');
            expect(readyAfter.status).toBe(503);
            expect((await request(base.origin, 'GET', '/health')).status).toBe(
              200,
            );
            // After SHUTDOWN_DELAY_SECONDS (2) the service stops accepting connections.
            await new Promise(r => setTimeout(r, 2500));
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

        if (variant.id === 'defaults') {
          check(
            `${variant.id}: TLS to PostgreSQL (sslmode=verify-full) and a pool size given in DATABASE_URL wins over DB_MAX_CONNECTIONS`,
            async () => {
              const tlsDatabase = `${database}_tls`;
              const url = `${pg
                .createDatabase(tlsDatabase)
                .replace(
                  'sslmode=disable',
                  'sslmode=verify-full',
                )}&sslrootcert=${encodeURIComponent(
                pg.certificateFile,
              )}&pool_max_conns=2`;
              const tls = await startService(
                binary,
                { ...serviceEnv(url), DB_MAX_CONNECTIONS: '10' },
                await freePort(),
              );
              try {
                const connections = (where: string) =>
                  Number(
                    pg.query(
                      'postgres',
                      `SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) ` +
                        `WHERE a.datname = '${tlsDatabase}' AND a.backend_type = 'client backend' ` +
                        `AND a.application_name <> 'psql' AND ${where}`,
                    ),
                  );
                // Eight requests wait on a locked table: the pool may open two connections, no more.
                // Held for less than a pool's acquire timeout (Rust's is 3 s): waiting requests get a connection.
                const lock = await pg.holdLock(tlsDatabase, variant.plural, 2);
                const waiting = Array.from({ length: 8 }, () =>
                  request(tls.baseUrl, 'GET', collection, {
                    headers: auth,
                  }),
                );
                // Bounded waits for what a busy machine delays: the pool growing, then a moment to overshoot.
                await eventually(() => connections('true') >= 2, 1500);
                await new Promise(r => setTimeout(r, 300));
                const open = connections('true');
                const plain = connections('NOT s.ssl');
                // The lock may have ended during the waits above (a busy machine): its 'exit' is then past.
                if (lock.exitCode === null && lock.signalCode === null)
                  await new Promise(resolve => lock.once('exit', resolve));
                const answers = await Promise.all(waiting);
                expect(answers.map(a => a.status)).toEqual(Array(8).fill(200));
                expect({ open, plain }).toEqual({ open: 2, plain: 0 });
                expect(connections('s.ssl')).toBeGreaterThan(0);
              } finally {
                await tls.stop();
              }
            },
          );

          check(
            `${variant.id}: OpenTelemetry: spans reach an OTLP/HTTP endpoint with OTEL_* honoured; always_off exports nothing; a rejected export is logged`,
            async () => {
              const traceId = '0af7651916cd43dd8448eb211c80319c';
              const traceparent = `00-${traceId}-b7ad6b7169203331-01`;
              const traceBytes = Buffer.from(traceId, 'hex');
              const otel = (endpoint: string, sampler?: string) => ({
                ...serviceEnv(databaseUrl),
                OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
                OTEL_SERVICE_NAME: 'conformance-traces',
                OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=conformance',
                OTEL_BSP_SCHEDULE_DELAY: '100',
                ...(sampler ? { OTEL_TRACES_SAMPLER: sampler } : {}),
              });
              const run = async (
                env: Record<string, string>,
                body: (baseUrl: string) => Promise<void>,
              ) => {
                const instance = await startService(
                  binary,
                  env,
                  await freePort(),
                );
                try {
                  await request(instance.baseUrl, 'GET', collection, {
                    headers: { ...auth, traceparent },
                  });
                  await body(instance.baseUrl);
                  return instance.logs();
                } finally {
                  await instance.stop();
                }
              };

              const receiver = await startOtlpReceiver(200);
              try {
                await run(otel(receiver.endpoint), async () => {
                  const exported = await eventually(
                    () =>
                      receiver.bodies.some(
                        b =>
                          b.includes(traceBytes) &&
                          b.includes('conformance-traces') &&
                          b.includes('deployment.environment'),
                      ),
                    10_000,
                  );
                  expect(exported).toBe(true);
                });
              } finally {
                await receiver.close();
              }

              const silent = await startOtlpReceiver(200);
              try {
                await run(otel(silent.endpoint, 'always_off'), async () => {
                  await new Promise(r => setTimeout(r, 1500));
                  expect(
                    silent.bodies.filter(b => b.includes(traceBytes)),
                  ).toEqual([]);
                });
              } finally {
                await silent.close();
              }

              const refusing = await startOtlpReceiver(400);
              try {
                const logs = await run(
                  otel(refusing.endpoint),
                  async baseUrl => {
                    const logged = await eventually(
                      () => refusing.bodies.length > 0,
                      10_000,
                    );
                    expect(logged).toBe(true);
                    await request(baseUrl, 'GET', '/health');
                    await new Promise(r => setTimeout(r, 1000));
                  },
                );
                expect(
                  logEntries(logs).some(
                    e =>
                      isLoud(e) && /export|otlp|trace/i.test(JSON.stringify(e)),
                  ),
                ).toBe(true);
              } finally {
                await refusing.close();
              }
            },
          );
        }

        if (variant.id === 'renamed resource') {
          check(
            `${variant.id}: a second service on another service's database keeps its own migration records`,
            async () => {
              const other = matrix[0];
              const otherDatabase = other.name.replace(/-/g, '_');
              const shared = await startService(
                binary,
                serviceEnv(pg.url(otherDatabase)),
                await freePort(),
              );
              try {
                const exists = (table: string) =>
                  pg.query(
                    otherDatabase,
                    `SELECT to_regclass('public.${table}') IS NOT NULL`,
                  );
                expect({
                  [other.plural]: exists(other.plural),
                  [variant.plural]: exists(variant.plural),
                  [`${otherDatabase}_schema_migrations`]: exists(
                    `${otherDatabase}_schema_migrations`,
                  ),
                  [`${database}_schema_migrations`]: exists(
                    `${database}_schema_migrations`,
                  ),
                }).toEqual({
                  [other.plural]: 't',
                  [variant.plural]: 't',
                  [`${otherDatabase}_schema_migrations`]: 't',
                  [`${database}_schema_migrations`]: 't',
                });
                const created = await request(
                  shared.baseUrl,
                  'POST',
                  collection,
                  {
                    headers: { 'content-type': 'application/json', ...auth },
                    body: JSON.stringify({
                      email: 'shared@example.com',
                      name: 'Shared',
                    }),
                  },
                );
                expect(created.status).toBe(201);
              } finally {
                await shared.stop();
              }
            },
          );
        }

        // Last in the variant: every answer received above, by every check, against the document.
        check(
          `${variant.id}: every answer the tier received is one openapi.yaml declares (status, content type, body, headers)`,
          async () => {
            expect(received.length).toBeGreaterThan(100);
            const problems = received.flatMap(res => spec.check(res));
            expect(problems).toEqual([]);
            const statuses = new Set(received.map(r => r.status));
            // The answers checked cover the contract's statuses, so the check is not vacuous.
            for (const status of [
              200,
              201,
              204,
              400,
              404,
              405,
              409,
              413,
              503,
              ...(variant.auth ? [401] : []),
            ])
              expect([status, statuses.has(status)]).toEqual([status, true]);
          },
        );
      });
    }
  });
}

// Jest runs no hook in a file whose tests are all skipped: then the summary is written now.
if (stacksRun) afterAll(writeSummary);
else writeSummary();
