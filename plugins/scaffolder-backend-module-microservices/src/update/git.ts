import { execFile } from 'node:child_process';

/** Raised when git itself fails; carries git's own message. */
export class GitError extends Error {
  constructor(message: string, readonly exitCode: number | null) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs the git CLI with settings that make its output and its objects independent of the caller's machine: no
 * signing, no locale-dependent messages, no pager, no line-ending conversion, no hooks.
 * `okExitCodes` lists the non-zero codes that are answers rather than failures (merge-tree's 1 = conflicts).
 */
export function git(
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    okExitCodes?: number[];
  },
): Promise<GitResult> {
  const settings = [
    '-c',
    'commit.gpgSign=false',
    '-c',
    'core.autocrlf=false',
    '-c',
    'core.hooksPath=/dev/null',
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...settings, ...args],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          LC_ALL: 'C',
          GIT_TERMINAL_PROMPT: '0',
          GIT_PAGER: 'cat',
          ...options.env,
        },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        let exitCode: number | null = 0;
        if (error) {
          const code = (error as { code?: unknown }).code;
          exitCode = typeof code === 'number' ? code : null;
        }
        if (exitCode === 0 || options.okExitCodes?.includes(exitCode ?? -1)) {
          resolve({ stdout, stderr, exitCode: exitCode ?? 0 });
          return;
        }
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new GitError('git: the git command is not installed', null));
          return;
        }
        reject(
          new GitError(
            `git ${args[0]} failed: ${(stderr || stdout || String(error))
              .trim()
              .split('\n')
              .slice(0, 5)
              .join(' / ')}`,
            exitCode,
          ),
        );
      },
    );
  });
}

/** The installed git's version as [major, minor]. */
export async function gitVersion(cwd: string): Promise<[number, number]> {
  const { stdout } = await git(['--version'], { cwd });
  const match = /(\d+)\.(\d+)/.exec(stdout);
  if (!match) throw new GitError(`git: unrecognised version '${stdout}'`, 0);
  return [Number(match[1]), Number(match[2])];
}
