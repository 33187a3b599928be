/*
 * Services benchmark: for every stack with a toolchain, the generated service (rendered through `yarn render`'s
 * code path, built through its `make build`) and a bare hello-world in the same framework (bench/fixtures, built
 * the same way), each alone under wrk on loopback, against a throw-away PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findPostgresBin, ThrowawayPostgres } from '../conformance/postgres';
import { request } from '../conformance/service';
import {
  BUILD_ENTRYPOINT,
  missingToolchain,
  runGate,
  toolchains,
  type StackToolchain,
} from '../conformance/toolchains';
import { freePort } from '../e2e/backend';
import { renderFromTemplate } from '../src/cli/render';
import { stacks } from '../src/stacks';
import { skeletonPath } from '../src/stacks/prepareService';
import { ensureDebianCommand, rssMiB, sampleRss, startServer } from './process';
import { median, round, sleep } from './stats';
import { runWrk } from './wrk';

export interface ServiceResult {
  healthRps: number;
  bareHealthRps: number;
  healthRpsRatioVsBare: number;
  userGetRps: number;
  idleRssMiB: number;
  loadRssMiB: number;
  startupMs: number;
}

export interface ServicesOutcome {
  results: Record<string, ServiceResult>;
  /** One line per stack that did not run, with the reason. */
  skipped: string[];
  /** One line per stack that failed. */
  failed: string[];
  /** Context worth printing beside the numbers (bare RSS, wrk socket errors). */
  notes: string[];
}

export interface ServicesOptions {
  durationSeconds: number;
  startups: number;
  stacks?: string[];
  log: (line: string) => void;
}

/** The bare hello-world per stack: its fixture folder and package name. */
const BARE: Record<string, { fixture: string; packageName: string }> = {
  go: { fixture: 'bare-gin', packageName: 'bare-gin' },
  rust: { fixture: 'bare-axum', packageName: 'bare-axum' },
};
const FIXTURES = path.join(__dirname, 'fixtures');
const SERVICE_NAME = 'bench-api';
const WRK = { threads: 2, connections: 64 };
// Lets the process settle (lazy initialisation, first GC) before idle RSS is read.
const SETTLE_MS = 1000;

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
  if (!stacks.some(s => s.id === toolchain.stack))
    return 'no stack definition in src/stacks';
  if (!fs.existsSync(skeletonPath(toolchain.stack)))
    return `no skeleton at skeletons/${toolchain.stack}`;
  if (!BARE[toolchain.stack])
    return 'no bare framework fixture under bench/fixtures';
  return missingToolchain(toolchain);
}

async function measureStack(
  toolchain: StackToolchain,
  binaries: { generated: string; bare: string },
  pg: ThrowawayPostgres,
  work: string,
  options: ServicesOptions,
  notes: string[],
): Promise<ServiceResult> {
  const { stack } = toolchain;
  const wrk = { ...WRK, durationSeconds: options.durationSeconds };
  const logFile = (what: string) => path.join(work, `${stack}-${what}.log`);

  options.log(
    `${stack}: bare ${BARE[stack].fixture} under wrk (GET /health, ${wrk.durationSeconds} s)`,
  );
  const bare = await startServer(
    binaries.bare,
    {},
    await freePort(),
    logFile('bare'),
  );
  let bareHealthRps: number;
  try {
    await sleep(SETTLE_MS);
    const bareIdle = rssMiB(bare.pid);
    const rss = sampleRss(bare.pid);
    const result = await runWrk(`${bare.baseUrl}/health`, wrk);
    const bareLoad = rss.stop();
    bareHealthRps = result.requestsPerSec;
    notes.push(
      `${stack}: bare ${BARE[stack].fixture} idle RSS ${round(
        bareIdle,
        1,
      )} MiB, under load ${round(bareLoad, 1)} MiB`,
    );
    if (result.socketErrors)
      notes.push(
        `${stack}: bare /health socket errors: ${result.socketErrors}`,
      );
  } finally {
    await bare.stop();
  }

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
      binaries.generated,
      env(`bench_${stack}_start_${i}`),
      await freePort(),
      logFile(`start-${i}`),
    );
    startups.push(server.startupMs);
    await server.stop();
  }

  options.log(
    `${stack}: generated service under wrk (GET /health, GET /api/v1/users/{id}, ${wrk.durationSeconds} s each)`,
  );
  const server = await startServer(
    binaries.generated,
    env(`bench_${stack}`),
    await freePort(),
    logFile('generated'),
  );
  try {
    await sleep(SETTLE_MS);
    const idleRssMiB = rssMiB(server.pid);
    const created = await request(server.baseUrl, 'POST', '/api/v1/users', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', name: 'Bench User' }),
    });
    if (created.status !== 201 || !created.json?.id) {
      throw new Error(
        `seeding a user answered ${created.status}: ${created.text}`,
      );
    }
    const userPath = `/api/v1/users/${created.json.id}`;
    const check = await request(server.baseUrl, 'GET', userPath);
    if (check.status !== 200)
      throw new Error(
        `GET ${userPath} answered ${check.status}: ${check.text}`,
      );

    const rss = sampleRss(server.pid);
    const health = await runWrk(`${server.baseUrl}/health`, wrk);
    const userGet = await runWrk(`${server.baseUrl}${userPath}`, wrk);
    const loadRssMiB = rss.stop();
    for (const [what, result] of [
      ['/health', health],
      ['/api/v1/users/{id}', userGet],
    ] as const) {
      if (result.socketErrors)
        notes.push(
          `${stack}: generated ${what} socket errors: ${result.socketErrors}`,
        );
    }
    return {
      healthRps: Math.round(health.requestsPerSec),
      bareHealthRps: Math.round(bareHealthRps),
      healthRpsRatioVsBare: round(health.requestsPerSec / bareHealthRps, 3),
      userGetRps: Math.round(userGet.requestsPerSec),
      idleRssMiB: round(idleRssMiB, 1),
      loadRssMiB: round(loadRssMiB, 1),
      startupMs: Math.round(median(startups)),
    };
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nservice log:\n${server.logTail()}`,
    );
  } finally {
    await server.stop();
  }
}

export async function benchServices(
  options: ServicesOptions,
): Promise<ServicesOutcome> {
  const outcome: ServicesOutcome = {
    results: {},
    skipped: [],
    failed: [],
    notes: [],
  };
  const runnable: StackToolchain[] = [];
  for (const toolchain of toolchains) {
    const reason = whySkipped(toolchain, options.stacks);
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
    const built = new Map<string, { generated: string; bare: string }>();
    for (const toolchain of runnable) {
      const { stack } = toolchain;
      try {
        options.log(
          `${stack}: rendering and building the generated service and ${BARE[stack].fixture}`,
        );
        const repo = path.join(work, stack, SERVICE_NAME);
        await renderFromTemplate({
          parameters: {
            stack,
            name: SERVICE_NAME,
            owner: 'group:default/team-a',
          },
          out: repo,
        });
        const generated = build(toolchain, repo, SERVICE_NAME);
        const bareDir = path.join(work, stack, BARE[stack].fixture);
        fs.cpSync(path.join(FIXTURES, BARE[stack].fixture), bareDir, {
          recursive: true,
        });
        const bare = build(toolchain, bareDir, BARE[stack].packageName);
        built.set(stack, { generated, bare });
      } catch (error) {
        outcome.failed.push(
          `${stack}: build failed — ${(error as Error).message}`,
        );
      }
    }
    if (built.size === 0) return outcome;

    pg = await ThrowawayPostgres.create();
    for (const toolchain of runnable) {
      const binaries = built.get(toolchain.stack);
      if (!binaries) continue;
      try {
        outcome.results[toolchain.stack] = await measureStack(
          toolchain,
          binaries,
          pg,
          work,
          options,
          outcome.notes,
        );
      } catch (error) {
        outcome.failed.push(`${toolchain.stack}: ${(error as Error).message}`);
      }
    }
    return outcome;
  } finally {
    pg?.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
