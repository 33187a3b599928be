import { spawn, type ChildProcess } from 'node:child_process';

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

/** Settings that make git's output and objects independent of the caller's machine (see `git`). */
const SETTINGS = [
  '-c',
  'commit.gpgSign=false',
  '-c',
  'core.autocrlf=false',
  '-c',
  'core.hooksPath=/dev/null',
];

const REPOSITORY_VARIABLES = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
]);

interface ChildResult {
  stdout: string;
  stderr: string;
  /** The exit code; null when the process was killed or could not start. */
  exitCode: number | null;
  /** Node's error code when the process could not start (ENOENT: no such command). */
  startError?: string;
  message?: string;
}

// The helper's whole program: run one command per message and send its outcome back; leave with the parent. A
// command Node refuses to start (an argument with a NUL byte) is answered as a failure, never a crash.
const SPAWNER = `
const { execFile } = require('node:child_process');
process.on('disconnect', () => process.exit(0));
process.on('message', ({ id, file, args, options }) => {
  const answer = (error, stdout, stderr) => {
    const code = error && error.code;
    process.send({
      id,
      stdout: stdout || '',
      stderr: stderr || '',
      exitCode: error ? (typeof code === 'number' ? code : null) : 0,
      startError: typeof code === 'string' ? code : undefined,
      message: error ? String(error.message) : undefined,
    });
  };
  try {
    execFile(file, args, options, answer);
  } catch (error) {
    answer(error);
  }
});
`;

/** One helper process and the commands it has not answered yet. */
interface Helper {
  child: ChildProcess;
  waiting: Map<number, (result: ChildResult) => void>;
}

let helper: Helper | undefined;
let nextId = 0;

/**
 * While a helper has commands in flight, it and its channel keep this process running, so an answer — or the
 * helper's exit, which fails the commands — always arrives; idle, it keeps nothing alive.
 */
function holdWhileBusy(state: Helper) {
  if (state.waiting.size > 0) {
    state.child.ref();
    state.child.channel?.ref();
  } else {
    state.child.unref();
    state.child.channel?.unref();
  }
}

function startHelper(): Helper {
  const child = spawn(process.execPath, ['-e', SPAWNER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // A bare Node: none of the parent's --require hooks, profilers or heap settings.
    env: Object.fromEntries(
      Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS'),
    ),
  });
  const state: Helper = { child, waiting: new Map() };
  holdWhileBusy(state);
  child.on('message', (result: ChildResult & { id: number }) => {
    state.waiting.get(result.id)?.(result);
    state.waiting.delete(result.id);
    holdWhileBusy(state);
  });
  // Only this helper's own commands fail with it; the next command starts a new one.
  const fail = (message: string) => {
    if (helper === state) helper = undefined;
    for (const resolve of state.waiting.values())
      resolve({ stdout: '', stderr: '', exitCode: null, message });
    state.waiting.clear();
    holdWhileBusy(state);
  };
  child.on('error', error =>
    fail(`the process spawner failed: ${error.message}`),
  );
  child.on('disconnect', () => fail('the process spawner went away'));
  child.on('exit', code => fail(`the process spawner exited (${code})`));
  return state;
}

/**
 * Starts git through a small helper process that lives as long as the backend. Starting a process from the
 * backend itself copies its page tables — about 10 ms of its event loop per git command for a backend of several
 * hundred MiB — and a bulk update runs hundreds of git commands, which would queue every other request and task
 * behind them; the helper is small, so each start costs it about a millisecond, off the backend's thread.
 */
function spawnThroughHelper(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ChildResult> {
  if (args.some(arg => arg.includes('\0')))
    return Promise.resolve({
      stdout: '',
      stderr: '',
      exitCode: null,
      message: 'an argument contains a NUL byte',
    });
  helper ??= startHelper();
  const state = helper;
  const id = nextId++;
  return new Promise(resolve => {
    state.waiting.set(id, resolve);
    holdWhileBusy(state);
    state.child.send(
      {
        id,
        file,
        args,
        options: {
          ...options,
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
        },
      },
      error => {
        if (!error || !state.waiting.has(id)) return;
        state.waiting.delete(id);
        holdWhileBusy(state);
        resolve({
          stdout: '',
          stderr: '',
          exitCode: null,
          message: `the process spawner did not take the command: ${error.message}`,
        });
      },
    );
  });
}

/** Runs `file` with `args` in git's environment; resolves with its output or rejects with a GitError. */
async function run(
  file: string,
  args: string[],
  description: string,
  options: {
    cwd: string;
    env?: Record<string, string>;
    okExitCodes?: number[];
  },
): Promise<GitResult> {
  const { stdout, stderr, exitCode, startError, message } =
    await spawnThroughHelper(file, args, {
      cwd: options.cwd,
      env: {
        // Variables that would point git at another repository, index or object store are not inherited.
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            ([key]) => !REPOSITORY_VARIABLES.has(key),
          ),
        ),
        LC_ALL: 'C',
        GIT_TERMINAL_PROMPT: '0',
        GIT_PAGER: 'cat',
        ...options.env,
      },
    });
  if (exitCode === 0 || options.okExitCodes?.includes(exitCode ?? -1))
    return { stdout, stderr, exitCode: exitCode ?? 0 };
  if (startError === 'ENOENT')
    throw new GitError(`git: the ${file} command is not installed`, null);
  throw new GitError(
    `git ${description} failed: ${(stderr || stdout || message || '')
      .trim()
      .split('\n')
      .slice(0, 5)
      .join(' / ')}`,
    exitCode,
  );
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
  return run('git', [...SETTINGS, ...args], args[0], options);
}

// One fixed script: the values arrive as positional parameters, never as script text.
const INITIAL_COMMIT_SCRIPT = `set -e
branch=$1 message=$2 from=$3
shift 3
if [ -n "$from" ]; then
  cp -R -- "$from/." .
  find . -name .git -prune -exec rm -rf {} +
fi
git "$@" init --quiet --template= --initial-branch "$branch"
git "$@" -c core.bigFileThreshold=1 add --all
git "$@" commit --quiet --no-verify --cleanup=verbatim --message "$message"
git "$@" rev-parse HEAD
git "$@" ls-files -z`;

/**
 * Makes `cwd` a repository whose one commit holds all of it (its own .gitignore honoured): with `from`, first a
 * copy of that directory without any `.git` in it; then `git init`, `add --all`, `commit` with `message`
 * verbatim — in one child process, which copies and hashes a service's files in a fraction of what Node's
 * `fs.cp` and separate git processes took. `env` carries the author.
 *
 * Creating files is what costs: `init` copies no template (sample hooks, `info/exclude`, `description`; hooks are
 * off here anyway), and `add` writes the blobs into one pack (`core.bigFileThreshold=1`: git's bulk check-in)
 * instead of a file and often a directory per blob — about half the script's time for a service, more when many
 * tasks publish at once. Git still stores loose what it converts (any `text`/`eol` attribute), symlinks and
 * files of a byte or less; the trees and the commit are loose too.
 */
export async function gitInitialCommit(options: {
  cwd: string;
  from?: string;
  branch: string;
  message: string;
  env?: Record<string, string>;
}): Promise<{ commit: string; files: string[] }> {
  const { stdout } = await run(
    'sh',
    [
      '-c',
      INITIAL_COMMIT_SCRIPT,
      'sh',
      options.branch,
      options.message,
      options.from ?? '',
      ...SETTINGS,
    ],
    'initial commit',
    {
      ...options,
      // What is committed depends on the tree alone: no global or system excludes, templates or attributes.
      env: {
        ...options.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    },
  );
  const newline = stdout.indexOf('\n');
  return {
    commit: stdout.slice(0, newline).trim(),
    files: stdout
      .slice(newline + 1)
      .split('\0')
      .filter(Boolean),
  };
}

/** The installed git's version as [major, minor]. */
export async function gitVersion(cwd: string): Promise<[number, number]> {
  const { stdout } = await git(['--version'], { cwd });
  const match = /(\d+)\.(\d+)/.exec(stdout);
  if (!match) throw new GitError(`git: unrecognised version '${stdout}'`, 0);
  return [Number(match[1]), Number(match[2])];
}
