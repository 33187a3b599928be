import { spawn } from 'node:child_process';

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  /** Responses that were not 2xx/3xx. */
  non2xx: number;
  /** wrk's socket error line, when it printed one. */
  socketErrors?: string;
}

export function parseWrkOutput(output: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const total = /^\s*(\d+) requests in /m.exec(output);
  if (!rps || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socket = /Socket errors:\s+(.*)$/m.exec(output);
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socket?.[1].trim(),
  };
}

/** Runs wrk against one loopback URL and fails when more than 1% of responses were errors. */
export function runWrk(
  url: string,
  options: { threads: number; connections: number; durationSeconds: number },
): Promise<WrkResult> {
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)[:/]/.test(url)) {
    throw new Error(`wrk targets loopback only, not ${url}`);
  }
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '5s',
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    const timer = setTimeout(
      () => child.kill('SIGKILL'),
      (options.durationSeconds + 60) * 1000,
    );
    child.on('error', reject);
    child.on('exit', code => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(`wrk ${args.join(' ')} exited with ${code}:\n${output}`),
        );
        return;
      }
      try {
        const result = parseWrkOutput(output);
        if (result.non2xx > result.requests / 100) {
          reject(
            new Error(
              `${url}: ${result.non2xx} of ${result.requests} responses were errors`,
            ),
          );
          return;
        }
        resolve(result);
      } catch (error) {
        reject(error);
      }
    });
  });
}
