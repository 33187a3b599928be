import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** A response body as JSON, or undefined when it is not JSON. */
function parseJsonOrUndefined(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sees every answer `request` receives (the tier checks each against openapi.yaml). */
type ResponseObserver = (
  method: string,
  urlPath: string,
  result: HttpResult,
) => void;
let responseObserver: ResponseObserver | undefined;
export function observeResponses(observer: ResponseObserver | undefined) {
  responseObserver = observer;
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
          const json = parseJsonOrUndefined(text);
          const result = {
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
          };
          responseObserver?.(method, urlPath, result);
          resolve(result);
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

/**
 * The environment a service starts with besides its own configuration: PATH, and where a .NET runtime lives when
 * the machine says so (a framework-dependent apphost finds an installation in a standard place by itself).
 */
export function processEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const name of ['DOTNET_ROOT', 'DOTNET_ROOT_X64']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
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
    env: { ...processEnv(), PORT: String(port), ...env },
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

/**
 * Sends a whole body as an ordinary client does, and resolves with the answer even when the server closes the
 * connection after answering (an early 413); rejects only when no complete answer arrived.
 */
export function sendBody(
  baseUrl: string,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; json: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    let answered:
      | { status: number; json: any; headers: http.IncomingHttpHeaders }
      | undefined;
    const req = http.request(`${baseUrl}${urlPath}`, {
      method,
      agent: false,
      headers: { ...headers, 'content-length': body.length },
      timeout: 30_000,
    });
    req.on('response', res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const json = parseJsonOrUndefined(
          Buffer.concat(chunks).toString('utf8'),
        );
        answered = { status: res.statusCode ?? 0, json, headers: res.headers };
        resolve(answered);
      });
      res.on('error', error => (answered ? undefined : reject(error)));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', error => {
      if (!answered)
        setTimeout(
          () => (answered ? resolve(answered) : reject(error)),
          // The answer may still be in the socket's buffer when the write fails.
          200,
        );
    });
    req.end(body);
  });
}

/**
 * Opens a connection and trickles a request's headers, one line a second, never finishing them; resolves with how
 * long the server kept the connection open (or `giveUpMs` when it never closed it).
 */
export function trickleHeaders(
  baseUrl: string,
  giveUpMs: number,
): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise(resolve => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    let line = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(`x-slow-${line++}: y\r\n`);
    }, 1000);
    let giveUp: NodeJS.Timeout | undefined = undefined;
    const done = () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve(Date.now() - started);
    };
    giveUp = setTimeout(done, giveUpMs);
    socket.on('connect', () =>
      socket.write(`GET /health HTTP/1.1\r\nhost: ${hostname}\r\n`),
    );
    socket.on('data', () => {});
    socket.on('close', done);
    socket.on('error', () => {});
  });
}

/** Runs a binary that is expected to refuse its configuration; resolves with its exit code and output. */
export function runUntilExit(
  binary: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | string | null; output: string }> {
  return new Promise(resolve => {
    let output = '';
    const child = spawn(binary, [], {
      env: { ...processEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', d => (output += d));
    child.stderr!.on('data', d => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, output });
    });
  });
}

/** A loopback OTLP/HTTP receiver that records the bodies posted to `/v1/traces` and answers `status`. */
export async function startOtlpReceiver(status = 200) {
  const bodies: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
      res.writeHead(status, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 100));
  }
}

/** The JSON log lines a service wrote, parsed (other lines are left out). */
export function logEntries(logs: string): Array<Record<string, any>> {
  return logs
    .split('\n')
    .filter(l => l.startsWith('{'))
    .flatMap(l => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
}

/** The value of the first of `names` an entry has as a key, compared without case (`Message`, `LogLevel`). */
function fieldOf(entry: Record<string, any>, names: string[]): unknown {
  const key = Object.keys(entry).find(k => names.includes(k.toLowerCase()));
  return key === undefined ? undefined : entry[key];
}

/**
 * A log entry's level in upper case, whichever field name the stack's logger uses (`level`, `severity`, or
 * Microsoft.Extensions.Logging's `LogLevel`).
 */
export function levelOf(entry: Record<string, any>): string {
  return String(
    fieldOf(entry, ['level', 'severity', 'loglevel']) ?? '',
  ).toUpperCase();
}

/** Levels above info, in every stack's spelling (`WARN`, .NET's `Warning`, `Critical`). */
const LOUD_LEVELS = ['WARN', 'WARNING', 'ERROR', 'CRITICAL', 'FATAL'];

/** Whether an entry was logged above info. */
export function isLoud(entry: Record<string, any>): boolean {
  return LOUD_LEVELS.includes(levelOf(entry));
}

/** A log entry's message, whichever field name the stack's logger uses (`msg`, `message`, `Message`). */
export function messageOf(entry: Record<string, any>): string {
  return String(fieldOf(entry, ['msg', 'message']) ?? '');
}

/**
 * Whether the service logged that it listens: a JSON line whose message starts with "listening" (or ASP.NET
 * Core's own "Now listening on: …", which Kestrel writes once the port is bound).
 */
export function loggedListening(logs: string): boolean {
  return logEntries(logs).some(e => /^(now )?listening\b/i.test(messageOf(e)));
}
