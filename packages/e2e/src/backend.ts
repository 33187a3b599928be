import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.join(__dirname, '../../..');
/** The portal's backend package, which `yarn start` runs from its own folder. */
const BACKEND_DIR = path.join(REPO_ROOT, 'packages/backend');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function readiness(
  baseUrl: string,
): Promise<{ ok: boolean; error: string }> {
  try {
    const response = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
    // Consume the body, or the connection stays busy and later probes stall.
    await response.text();
    return { ok: response.ok, error: `status ${response.status}` };
  } catch (error) {
    return { ok: false, error: String((error as any)?.cause ?? error) };
  }
}

/**
 * The guest's token where the backend offers guest sign-in (the embedded default), as the portal's sign-in page
 * gets it; none elsewhere (production has no guest provider).
 */
export async function guestToken(baseUrl: string): Promise<string | undefined> {
  const response = await fetch(`${baseUrl}/api/auth/guest/refresh`);
  const body = await response.json().catch(() => undefined);
  return response.ok ? body?.backstageIdentity?.token : undefined;
}

export interface RunningBackend {
  baseUrl: string;
  /**
   * Bearer token for the REST calls: the one given, or else the guest's where the backend offers guest sign-in.
   */
  token?: string;
  reposDir: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real portal backend (`packages/backend`, as `yarn start` does) on a free port, with its own
 * repository directory and any extra config files, and waits until it is ready.
 */
export async function startBackend(
  options: {
    configs?: string[];
    env?: Record<string, string>;
    reposDir?: string;
    token?: string;
    /** The port to listen on (a free one by default), for configuration that must name it beforehand. */
    port?: number;
  } = {},
): Promise<RunningBackend> {
  const port = options.port ?? (await freePort());
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'microservices-e2e-'));
  const reposDir = options.reposDir ?? path.join(work, 'repos');
  const configArgs = [
    path.join(REPO_ROOT, 'app-config.yaml'),
    ...(options.configs ?? []),
  ].flatMap(c => ['--config', c]);
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      'src/index.ts',
      ...configArgs,
    ],
    {
      cwd: BACKEND_DIR,
      env: {
        // The backend must not think it runs under jest (JEST_WORKER_ID changes some defaults).
        ...Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.startsWith('JEST')),
        ),
        NODE_ENV: 'development',
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_baseUrl: `http://127.0.0.1:${port}`,
        APP_CONFIG_microservices_localPublishing_directory: reposDir,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => resolve(code)),
  );

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let lastError = '';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `backend exited (${
          child.exitCode ?? child.signalCode
        }):\n${output.slice(-4000)}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `backend not ready within 120 s (${lastError}):\n${output.slice(
          -4000,
        )}`,
      );
    }
    const probe = await readiness(baseUrl);
    lastError = probe.error;
    const ready = probe.ok;
    if (ready) break;
    await new Promise(r => setTimeout(r, 500));
  }
  return {
    baseUrl,
    token: options.token ?? (await guestToken(baseUrl)),
    reposDir,
    logs: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function api<T = any>(
  backend: RunningBackend,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${backend.baseUrl}${urlPath}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(backend.token ? { authorization: `Bearer ${backend.token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

/** Polls a scaffolder task until it leaves the queue; bounded. */
export async function waitForTask(
  backend: RunningBackend,
  taskId: string,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api(
      backend,
      'GET',
      `/api/scaffolder/v2/tasks/${taskId}`,
    );
    if (['completed', 'failed', 'cancelled'].includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(
        `task ${taskId} still ${body.status} after ${timeoutMs} ms`,
      );
    await new Promise(r => setTimeout(r, 300));
  }
}

export async function taskLog(
  backend: RunningBackend,
  taskId: string,
): Promise<string> {
  const { body } = await api(
    backend,
    'GET',
    `/api/scaffolder/v2/tasks/${taskId}/events`,
  );
  return (Array.isArray(body) ? body : [])
    .map((e: any) => e.body?.message)
    .filter(Boolean)
    .join('\n');
}

/** Polls the catalog for an entity; bounded. */
export async function waitForEntity(
  backend: RunningBackend,
  ref: string,
  timeoutMs = 60_000,
) {
  const [kind, rest] = ref.split(':');
  const [namespace, name] = rest.split('/');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await api(
      backend,
      'GET',
      `/api/catalog/entities/by-name/${kind}/${namespace}/${name}`,
    );
    if (status === 200) return body;
    if (Date.now() > deadline)
      throw new Error(`entity ${ref} not in the catalog after ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 500));
  }
}

/** The task's output (links, text), from its completion event. */
export async function taskOutput(
  backend: RunningBackend,
  taskId: string,
): Promise<any> {
  const { body } = await api(
    backend,
    'GET',
    `/api/scaffolder/v2/tasks/${taskId}/events`,
  );
  const completion = (Array.isArray(body) ? body : []).find(
    (e: any) => e.type === 'completion',
  );
  return completion?.body?.output;
}
