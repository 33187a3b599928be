import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP request on a fresh connection (no keep-alive, so shutdown tests see real in-flight requests). */
export function request(
  baseUrl: string,
  method: string,
  urlPath: string,
  options: {
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${urlPath}`,
      {
        method,
        headers: { connection: 'close', ...options.headers },
        agent: false,
        timeout: options.timeoutMs ?? 15_000,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${urlPath} timed out`)),
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * Polls `/ready` until it answers 200; fails at once when the process exits (by code or by signal) and after
 * `timeoutMs` at the latest.
 */
export async function waitForReady(
  baseUrl: string,
  child: ChildProcess,
  options: { timeoutMs: number; pollMs: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `exited with ${child.exitCode ?? child.signalCode} before ready`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`not ready within ${options.timeoutMs} ms`);
    }
    const ready = await request(baseUrl, 'GET', '/ready', {
      timeoutMs: 2000,
    }).then(
      r => r.status === 200,
      () => false,
    );
    if (ready) return;
    await new Promise(r => setTimeout(r, options.pollMs));
  }
}

export interface RunningService {
  baseUrl: string;
  child: ChildProcess;
  logs(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

/** Starts a generated service's binary and waits until `/ready` answers 200; bounded. */
export async function startService(
  binary: string,
  env: Record<string, string>,
  port: number,
): Promise<RunningService & { startupMs: number }> {
  const started = Date.now();
  let output = '';
  const child = spawn(binary, [], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<number | string | null>(resolve =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(baseUrl, child, { timeoutMs: 60_000, pollMs: 100 });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}:\n${output.slice(-3000)}`);
  }
  return {
    baseUrl,
    child,
    exited,
    startupMs: Date.now() - started,
    logs: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
