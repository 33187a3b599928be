/*
 * Services benchmark: for every stack whose toolchain and package source this machine has, the generated service
 * (rendered through `yarn render`'s code path, built through its `make build`) and a bare service in the same HTTP
 * framework (bench/fixtures, built the same way): /health, and GET /api/v1/users/{id} with the generated
 * repository's query on a pool of the same library and size, reading the same row of the same throw-away
 * PostgreSQL. Each is alone under wrk on loopback.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { findPostgresBin, freePort, ThrowawayPostgres } from 'e2e';
import { request } from '../conformance/service';
import {
  BUILD_ENTRYPOINT,
  stackUnavailable,
  runGate,
  toolchains,
  type StackToolchain,
} from '../conformance/toolchains';
import { renderFromTemplate } from '../src/cli/render';
import {
  ensureDebianCommand,
  rssMiB,
  sampleRss,
  startServer,
  type BenchServer,
} from './process';
import { median, round, sleep } from './stats';
import { runWrk } from './wrk';

export interface ServiceResult {
  /** The bench/fixtures folder the generated service was compared with. */
  baseline: string;
  healthRps: number;
  bareHealthRps: number;
  healthRpsRatioVsBare: number;
  userGetRps: number;
  bareUserGetRps: number;
  userGetRpsRatioVsBare: number;
  idleRssMiB: number;
  bareIdleRssMiB: number;
  loadRssMiB: number;
  startupMs: number;
}

export interface ServicesOutcome {
  results: Record<string, ServiceResult>;
  /** One line per stack that did not run, with the reason. */
  skipped: string[];
  /** One line per stack that failed, with the reason (and the build's output). */
  failed: string[];
  /** Stacks that failed, with a one-line reason for the table. */
  failedStacks: Record<string, string>;
  /** Context worth printing beside the numbers (bare RSS, wrk socket errors). */
  notes: string[];
}

export interface ServicesOptions {
  durationSeconds: number;
  startups: number;
  stacks?: string[];
  log: (line: string) => void;
}

/** The bare fixtures per stack (folder = package name); `baselineFor` picks the one the service is built on. */
const BARE_FIXTURES: Record<string, string[]> = {
  go: ['bare-gin', 'bare-nethttp'],
  rust: ['bare-axum'],
  dotnet: ['bare-minimal-api'],
};
const FIXTURES = path.join(__dirname, 'fixtures');
const SERVICE_NAME = 'bench-api';
const WRK = { threads: 2, connections: 64 };
// Lets the process settle (lazy initialisation, first GC) before idle RSS is read.
const SETTLE_MS = 1000;
// An unmeasured wrk run per URL first (pool filled, heap grown), so neither side of a ratio pays for warming up.
const WARMUP_SECONDS = 2;

export interface Baseline {
  fixture: string;
  /** Why this fixture, for the report. */
  reason: string;
}

/** The Go skeleton's HTTP layer is gin or net/http's ServeMux: true when go.mod requires gin directly. */
export function requiresGin(goMod: string): boolean {
  let inRequireBlock = false;
  for (const raw of goMod.split('\n')) {
    const [code, comment = ''] = raw.split('//');
    const line = code.trim();
    let requirement: string | undefined;
    if (line === 'require (') inRequireBlock = true;
    else if (line === ')') inRequireBlock = false;
    else if (inRequireBlock) requirement = line;
    else if (line.startsWith('require ')) requirement = line.slice(8).trim();
    if (
      requirement &&
      /^github\.com\/gin-gonic\/gin\s+v\S+$/.test(requirement) &&
      !/\bindirect\b/.test(comment)
    )
      return true;
  }
  return false;
}

/** The bare fixture to compare a rendered service with: the one in the same HTTP framework. */
export function baselineFor(stack: string, repo: string): Baseline {
  if (stack === 'go') {
    const goMod = fs.readFileSync(path.join(repo, 'go.mod'), 'utf8');
    return requiresGin(goMod)
      ? {
          fixture: 'bare-gin',
          reason: 'the rendered go.mod requires github.com/gin-gonic/gin',
        }
      : {
          fixture: 'bare-nethttp',
          reason:
            'the rendered go.mod does not require github.com/gin-gonic/gin directly',
        };
  }
  return {
    fixture: BARE_FIXTURES[stack][0],
    reason: `the only ${stack} baseline`,
  };
}

/** Libraries both sides must share at the same version for a like-for-like comparison. */
const SHARED_LIBRARIES: Record<string, string[]> = {
  go: ['github.com/gin-gonic/gin', 'github.com/jackc/pgx/v5'],
  rust: ['axum', 'hyper', 'sqlx-postgres', 'tokio'],
  dotnet: ['Npgsql'],
};

/** The packages.lock.json files of a .NET tree outside its tests (the service's own dependencies). */
function dotnetLockFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(
      entry =>
        entry.isFile() &&
        entry.name === 'packages.lock.json' &&
        !path.relative(dir, entry.parentPath).split(path.sep).includes('tests'),
    )
    .map(entry => path.join(entry.parentPath, entry.name));
}

/** Versions of the locked dependencies: go.mod requirements, Cargo.lock packages, or packages.lock.json entries. */
function lockedVersions(stack: string, dir: string): Map<string, string> {
  const versions = new Map<string, string>();
  const add = (name: string, version: string) => {
    const known = versions.get(name)?.split('+') ?? [];
    if (!known.includes(version))
      versions.set(name, [...known, version].join('+'));
  };
  if (stack === 'go') {
    const goMod = fs.readFileSync(path.join(dir, 'go.mod'), 'utf8');
    for (const m of goMod.matchAll(/^\s*(?:require\s+)?(\S+)\s+(v\S+)/gm))
      add(m[1], m[2]);
  } else if (stack === 'dotnet') {
    for (const file of dotnetLockFiles(dir)) {
      const lock = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        dependencies?: Record<string, Record<string, { resolved?: string }>>;
      };
      for (const packages of Object.values(lock.dependencies ?? {}))
        for (const [name, entry] of Object.entries(packages))
          if (entry.resolved) add(name, entry.resolved);
    }
  } else {
    const lock = fs.readFileSync(path.join(dir, 'Cargo.lock'), 'utf8');
    for (const m of lock.matchAll(/^name = "([^"]+)"\nversion = "([^"]+)"/gm))
      add(m[1], m[2]);
  }
  return versions;
}

/** Which shared libraries the two sides lock at the same version, and which they do not. */
export function compareLibraries(
  stack: string,
  generatedDir: string,
  bareDir: string,
): { same: string[]; different: string[] } {
  const ours = lockedVersions(stack, generatedDir);
  const bare = lockedVersions(stack, bareDir);
  const same: string[] = [];
  const different: string[] = [];
  for (const name of SHARED_LIBRARIES[stack] ?? []) {
    const [a, b] = [ours.get(name), bare.get(name)];
    if (!a || !b) continue;
    if (a === b) same.push(`${name} ${a}`);
    else different.push(`${name} ${a} in the service, ${b} in the baseline`);
  }
  return { same, different };
}

/**
 * The runtime settings a .NET program starts with (its runtimeconfig.json's configProperties: GC mode, tiered
 * compilation, globalization …); empty for a program without one. A framework-dependent program has the file
 * beside it; a native AOT program has them compiled in, from the runtimeconfig.json of its IL build under
 * `project`'s bin/ (the newest, if there are several).
 */
export function runtimeSettings(
  binary: string,
  project: string,
): Map<string, string> {
  const name = `${path.basename(binary)}.runtimeconfig.json`;
  const settings = new Map<string, string>();
  const built = fs
    .globSync(`**/bin/**/${name}`, { cwd: project })
    .map(file => path.join(project, file))
    .sort((x, y) => fs.statSync(y).mtimeMs - fs.statSync(x).mtimeMs);
  const file = [path.join(path.dirname(binary), name), ...built].find(
    candidate => fs.existsSync(candidate),
  );
  if (!file) return settings;
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    runtimeOptions?: { configProperties?: Record<string, unknown> };
  };
  for (const [key, value] of Object.entries(
    config.runtimeOptions?.configProperties ?? {},
  ))
    settings.set(key, JSON.stringify(value));
  return settings;
}

/** Which runtime settings both programs share, and which differ (a setting one side lacks takes its default). */
export function compareRuntimeSettings(
  generated: Map<string, string>,
  bare: Map<string, string>,
): { same: string[]; different: string[] } {
  const same: string[] = [];
  const different: string[] = [];
  for (const key of [
    ...new Set([...generated.keys(), ...bare.keys()]),
  ].sort()) {
    const [a, b] = [generated.get(key), bare.get(key)];
    if (a === b) same.push(`${key}=${a}`);
    else
      different.push(
        `${key} ${a ?? '(default)'} in the service, ${
          b ?? '(default)'
        } in the baseline`,
      );
  }
  return { same, different };
}

function build(
  toolchain: StackToolchain,
  dir: string,
  packageName: string,
): string {
  const binary = toolchain.binary(dir, packageName);
  fs.rmSync(binary, { force: true });
  const result = runGate(BUILD_ENTRYPOINT, dir, toolchain.env, 30 * 60_000);
  if (result.status !== 0 || !fs.existsSync(binary)) {
    throw new Error(
      `make build in ${dir} failed (${
        result.status ?? result.error
      }):\n${result.output.slice(-3000)}`,
    );
  }
  return binary;
}

function whySkipped(
  toolchain: StackToolchain,
  only?: string[],
): string | undefined {
  if (only && !only.includes(toolchain.stack)) return 'not in BENCH_STACKS';
  const unavailable = stackUnavailable(toolchain);
  if (unavailable) return unavailable;
  const missing = (BARE_FIXTURES[toolchain.stack] ?? ['(none)']).filter(
    f => !fs.existsSync(path.join(FIXTURES, f)),
  );
  return missing.length
    ? `no bare fixture ${missing.join(', ')} under bench/fixtures`
    : undefined;
}

const seedUser = { email: 'bench@example.com', name: 'Bench User' };
// An id no row has: the bare fixture must answer it 404, as the generated service does.
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

async function measureStack(
  toolchain: StackToolchain,
  built: Built,
  pg: ThrowawayPostgres,
  work: string,
  options: ServicesOptions,
  notes: string[],
): Promise<ServiceResult> {
  const { stack } = toolchain;
  const bareName = built.baseline.fixture;
  const wrk = { ...WRK, durationSeconds: options.durationSeconds };
  const logFile = (what: string) => path.join(work, `${stack}-${what}.log`);
  const env = (database: string) => ({
    DATABASE_URL: pg.createDatabase(database),
    LOG_LEVEL: 'info',
  });

  // Each start gets a fresh database, so every measurement includes applying the migrations.
  options.log(
    `${stack}: ${options.startups} starts of the generated service, exec to /ready 200`,
  );
  const startups: number[] = [];
  for (let i = 0; i < options.startups; i++) {
    const server = await startServer(
      built.generated,
      env(`bench_${stack}_start_${i}`),
      await freePort(),
      logFile(`start-${i}`),
    );
    startups.push(server.startupMs);
    await server.stop();
  }

  // Both run at once (only one is ever under load) on one database: the generated service migrates it and
  // inserts the row through its own POST, and the bare fixture reads that same row.
  const serviceEnv = env(`bench_${stack}`);
  const generated = await startServer(
    built.generated,
    serviceEnv,
    await freePort(),
    logFile('generated'),
  );
  let bare: BenchServer | undefined;
  try {
    await sleep(SETTLE_MS);
    const idleRssMiB = rssMiB(generated.pid);
    const created = await request(generated.baseUrl, 'POST', '/api/v1/users', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(seedUser),
    });
    if (created.status !== 201 || !created.json?.id) {
      throw new Error(
        `seeding a user answered ${created.status}: ${created.text}`,
      );
    }
    const userPath = `/api/v1/users/${created.json.id}`;
    const expected = await request(generated.baseUrl, 'GET', userPath);
    if (expected.status !== 200)
      throw new Error(
        `GET ${userPath} answered ${expected.status}: ${expected.text}`,
      );

    bare = await startServer(
      built.bare,
      { DATABASE_URL: serviceEnv.DATABASE_URL },
      await freePort(),
      logFile('bare'),
    );
    await sleep(SETTLE_MS);
    const bareIdleRssMiB = rssMiB(bare.pid);
    const bareUser = await request(bare.baseUrl, 'GET', userPath);
    if (
      bareUser.status !== 200 ||
      !isDeepStrictEqual(bareUser.json, expected.json)
    ) {
      throw new Error(
        `${bareName} GET ${userPath} answered ${bareUser.status} ${bareUser.text}, the generated service ${expected.text}`,
      );
    }
    const bareMissing = await request(
      bare.baseUrl,
      'GET',
      `/api/v1/users/${MISSING_ID}`,
    );
    if (bareMissing.status !== 404)
      throw new Error(
        `${bareName} answered ${bareMissing.status} for a missing id, not 404`,
      );

    const generatedRss = sampleRss(generated.pid);
    const bareRss = sampleRss(bare.pid);
    const urls = {
      bareHealth: `${bare.baseUrl}/health`,
      health: `${generated.baseUrl}/health`,
      bareUserGet: `${bare.baseUrl}${userPath}`,
      userGet: `${generated.baseUrl}${userPath}`,
    };
    const warmup = {
      ...wrk,
      durationSeconds: Math.min(WARMUP_SECONDS, wrk.durationSeconds),
    };
    // Bare, then generated, per route: the two runs of a ratio are as close in time as they can be.
    options.log(
      `${stack}: ${bareName} and the generated service under wrk (GET /health, GET /api/v1/users/{id}; ${warmup.durationSeconds} s warm-up, then ${wrk.durationSeconds} s each)`,
    );
    for (const url of Object.values(urls)) await runWrk(url, warmup);
    const runs = {
      bareHealth: await runWrk(urls.bareHealth, wrk),
      health: await runWrk(urls.health, wrk),
      bareUserGet: await runWrk(urls.bareUserGet, wrk),
      userGet: await runWrk(urls.userGet, wrk),
    };
    const loadRssMiB = generatedRss.stop();
    const bareLoadRssMiB = bareRss.stop();
    notes.push(
      `${stack}: baseline ${bareName} (${
        built.baseline.reason
      }); it idles at ${round(bareIdleRssMiB, 1)} MiB, ${round(
        bareLoadRssMiB,
        1,
      )} MiB under load`,
    );
    if (built.libraries.same.length)
      notes.push(
        `${stack}: same versions on both sides: ${built.libraries.same.join(
          ', ',
        )}`,
      );
    if (built.libraries.different.length)
      notes.push(
        `${stack}: NOT like for like, versions differ: ${built.libraries.different.join(
          '; ',
        )} (update bench/fixtures/${bareName})`,
      );
    if (built.runtime.same.length)
      notes.push(
        `${stack}: same runtime settings on both sides: ${built.runtime.same.join(
          ', ',
        )}`,
      );
    if (built.runtime.different.length)
      notes.push(
        `${stack}: NOT like for like, runtime settings differ: ${built.runtime.different.join(
          '; ',
        )} (update bench/fixtures/${bareName})`,
      );
    for (const [what, result] of Object.entries(runs)) {
      if (result.socketErrors)
        notes.push(`${stack}: ${what} socket errors: ${result.socketErrors}`);
    }
    const ratio = (ours: number, baseline: number) => round(ours / baseline, 3);
    return {
      baseline: bareName,
      healthRps: Math.round(runs.health.requestsPerSec),
      bareHealthRps: Math.round(runs.bareHealth.requestsPerSec),
      healthRpsRatioVsBare: ratio(
        runs.health.requestsPerSec,
        runs.bareHealth.requestsPerSec,
      ),
      userGetRps: Math.round(runs.userGet.requestsPerSec),
      bareUserGetRps: Math.round(runs.bareUserGet.requestsPerSec),
      userGetRpsRatioVsBare: ratio(
        runs.userGet.requestsPerSec,
        runs.bareUserGet.requestsPerSec,
      ),
      idleRssMiB: round(idleRssMiB, 1),
      bareIdleRssMiB: round(bareIdleRssMiB, 1),
      loadRssMiB: round(loadRssMiB, 1),
      startupMs: Math.round(median(startups)),
    };
  } catch (error) {
    const bareLog = bare ? `\n${bareName} log:\n${bare.logTail()}` : '';
    throw new Error(
      `${
        (error as Error).message
      }\nservice log:\n${generated.logTail()}${bareLog}`,
    );
  } finally {
    await bare?.stop();
    await generated.stop();
  }
}

interface Built {
  generated: string;
  bare: string;
  baseline: Baseline;
  libraries: { same: string[]; different: string[] };
  runtime: { same: string[]; different: string[] };
}

/** Renders and builds the generated service and its baseline; a failure names which of the two. */
async function buildStack(
  toolchain: StackToolchain,
  work: string,
  options: ServicesOptions,
): Promise<Built> {
  const { stack } = toolchain;
  const repo = path.join(work, stack, SERVICE_NAME);
  try {
    await renderFromTemplate({
      parameters: { stack, name: SERVICE_NAME, owner: 'group:default/team-a' },
      out: repo,
    });
  } catch (error) {
    throw new Error(`rendering failed — ${(error as Error).message}`);
  }
  const baseline = baselineFor(stack, repo);
  options.log(
    `${stack}: building the generated service and ${baseline.fixture} (${baseline.reason})`,
  );
  let generated: string;
  try {
    generated = build(toolchain, repo, SERVICE_NAME);
  } catch (error) {
    throw new Error(
      `the generated service does not build — ${(error as Error).message}`,
    );
  }
  const bareDir = path.join(work, stack, baseline.fixture);
  fs.cpSync(path.join(FIXTURES, baseline.fixture), bareDir, {
    recursive: true,
  });
  const libraries = compareLibraries(stack, repo, bareDir);
  try {
    const bare = build(toolchain, bareDir, baseline.fixture);
    return {
      generated,
      bare,
      baseline,
      libraries,
      runtime: compareRuntimeSettings(
        runtimeSettings(generated, repo),
        runtimeSettings(bare, bareDir),
      ),
    };
  } catch (error) {
    throw new Error(
      `bench/fixtures/${baseline.fixture} does not build — ${
        (error as Error).message
      }`,
    );
  }
}

const firstLine = (text: string) => text.split('\n')[0].replace(/:$/, '');

export async function benchServices(
  options: ServicesOptions,
): Promise<ServicesOutcome> {
  const outcome: ServicesOutcome = {
    results: {},
    skipped: [],
    failed: [],
    failedStacks: {},
    notes: [],
  };
  const fail = (stack: string, message: string) => {
    outcome.failed.push(`${stack}: ${message}`);
    outcome.failedStacks[stack] = firstLine(message);
  };
  const runnable: StackToolchain[] = [];
  for (const toolchain of toolchains) {
    let reason: string | undefined;
    try {
      reason = whySkipped(toolchain, options.stacks);
    } catch (error) {
      fail(
        toolchain.stack,
        `its toolchain probe failed — ${(error as Error).message}`,
      );
      continue;
    }
    if (reason) outcome.skipped.push(`${toolchain.stack}: skipped — ${reason}`);
    else runnable.push(toolchain);
  }
  if (runnable.length === 0) return outcome;

  const missingTool =
    ensureDebianCommand('wrk', 'wrk', options.log) ??
    (findPostgresBin()
      ? undefined
      : ensureDebianCommand('pg_ctlcluster', 'postgresql', options.log)) ??
    (findPostgresBin()
      ? undefined
      : 'PostgreSQL server binaries not found under /usr/lib/postgresql');
  if (missingTool) {
    outcome.skipped.push(
      ...runnable.map(t => `${t.stack}: skipped — ${missingTool}`),
    );
    return outcome;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-services-'));
  let pg: ThrowawayPostgres | undefined;
  try {
    // Everything is built before anything is measured, so no build competes with a measurement.
    const built = new Map<string, Built>();
    for (const toolchain of runnable) {
      options.log(`${toolchain.stack}: rendering the generated service`);
      try {
        built.set(toolchain.stack, await buildStack(toolchain, work, options));
      } catch (error) {
        fail(toolchain.stack, (error as Error).message);
      }
    }
    if (built.size === 0) return outcome;

    pg = await ThrowawayPostgres.create();
    for (const toolchain of runnable) {
      const stackBuild = built.get(toolchain.stack);
      if (!stackBuild) continue;
      try {
        outcome.results[toolchain.stack] = await measureStack(
          toolchain,
          stackBuild,
          pg,
          work,
          options,
          outcome.notes,
        );
      } catch (error) {
        fail(toolchain.stack, `measuring failed — ${(error as Error).message}`);
      }
    }
    return outcome;
  } finally {
    pg?.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
