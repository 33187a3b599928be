import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { processEnv, waitForReady } from '../conformance/service';
import { round } from './stats';

export interface BenchServer {
  pid: number;
  baseUrl: string;
  /** From exec to the first `GET /ready` 200. */
  startupMs: number;
  logTail(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server binary and measures exec to the first `/ready` 200, polling every 5 ms; bounded. Unlike the
 * conformance tier's `startService`, output goes to a file: a service under load writes a log line per request,
 * which an in-memory pipe would collect without bound while competing with it for CPU.
 */
export async function startServer(
  binary: string,
  env: Record<string, string>,
  port: number,
  logFile: string,
  timeoutMs = 60_000,
): Promise<BenchServer> {
  const log = fs.openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(binary, [], {
    env: { ...processEnv(), PORT: String(port), ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>(resolve =>
    child.on('exit', () => resolve()),
  );
  const logTail = () => {
    const text = fs.readFileSync(logFile, 'utf8');
    return text.slice(-3000);
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(baseUrl, child, { timeoutMs, pollMs: 5 });
  } catch (error) {
    await stop();
    throw new Error(`${binary} ${(error as Error).message}:\n${logTail()}`);
  }
  return {
    pid: child.pid!,
    baseUrl,
    startupMs: performance.now() - started,
    logTail,
    stop,
  };
}

/** Resident set size of a live process, from /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) / 1024;
}

/** Samples a process's RSS every `intervalMs` until stopped; `stop()` returns the peak. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // the process is gone; the peak so far stands
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

const commandExists = (command: string) =>
  spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/**
 * Makes a Debian package's command available, installing the package with apt-get when it is missing.
 * Returns why it could not, or undefined.
 */
export function ensureDebianCommand(
  command: string,
  pkg: string,
  log: (line: string) => void,
): string | undefined {
  if (commandExists(command)) return undefined;
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && spawnSync('sudo', ['-n', 'true']).status !== 0) {
    return `'${command}' is missing and installing '${pkg}' needs root (apt-get install -y ${pkg})`;
  }
  log(`installing '${pkg}' from Debian (apt-get), '${command}' is missing`);
  const apt = (args: string[]) =>
    spawnSync(
      asRoot ? 'apt-get' : 'sudo',
      asRoot ? args : ['-n', 'apt-get', ...args],
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        encoding: 'utf8',
        timeout: 10 * 60_000,
      },
    );
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', pkg],
  ]) {
    const result = apt(args);
    if (result.status !== 0) {
      return `apt-get ${args.join(' ')} failed: ${(
        result.stderr || String(result.error ?? '')
      )
        .trim()
        .slice(-500)}`;
    }
  }
  return commandExists(command)
    ? undefined
    : `'${command}' still missing after installing '${pkg}'`;
}

/** The machine's CPU time over an interval, summed over CPUs (Linux only). */
export interface CpuSplit {
  userS: number;
  kernelS: number;
  idleS: number;
  /** Time a virtual machine's CPUs were ready but ran another guest. */
  stolenS: number;
}

/**
 * The machine's cumulative CPU times from /proc/stat (user+nice, system+irq+softirq, idle+iowait, steal), in
 * ticks.
 */
export function cpuTicks(): number[] | undefined {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return [user + nice, system + irq + softirq, idle + iowait, steal];
  } catch {
    return undefined;
  }
}

/** /proc/stat counts in USER_HZ, which is 100 on Linux for every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** The CPU time between two `cpuTicks()` readings, in seconds; undefined where /proc/stat could not be read. */
export function cpuSplit(
  before: number[] | undefined,
  after: number[] | undefined,
): CpuSplit | undefined {
  if (!before || !after) return undefined;
  const [userS, kernelS, idleS, stolenS] = after.map((v, i) =>
    round((v - before[i]) / TICKS_PER_SECOND, 1),
  );
  return { userS, kernelS, idleS, stolenS };
}
