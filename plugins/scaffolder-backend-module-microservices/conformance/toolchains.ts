import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export interface Gate {
  title: string;
  command: string;
  args: string[];
  /** Extra check on a successful run's output (e.g. `gofmt -l` must print nothing). */
  expectEmptyOutput?: boolean;
  /** Needs DATABASE_URL (the repository's own PostgreSQL test). */
  needsDatabase?: boolean;
  /** Runs with DATABASE_URL unset, to see the database tests report themselves skipped. */
  withoutDatabase?: boolean;
  /** The output must match this (e.g. the runner's word for a skipped test). */
  expectOutput?: RegExp;
  /** The output must not match this (e.g. no test skipped when DATABASE_URL is set). */
  rejectOutput?: RegExp;
}

/** How the conformance tier builds and checks one stack's generated repository. */
export interface StackToolchain {
  stack: string;
  /** Command that must be on PATH for the stack to run. */
  probe: string[];
  env: Record<string, string>;
  gates: Gate[];
  /**
   * Extra `make build` arguments for a debug build, which is what the conformance tier runs: it checks
   * behaviour, which a release profile's code generation does not change, and a debug build reuses what the
   * test gates already compiled (a Rust release build with LTO costs minutes more). The bench builds release.
   */
  debugBuildArgs: string[];
  /**
   * Where `make build` leaves the binary. `make build` is the generated repository's one build entrypoint: its
   * Dockerfile's build stage and its CI pipeline call it too, so building through it here proves both.
   */
  binary(repo: string, packageName: string, debug?: boolean): string;
}

const cacheRoot = path.join(os.homedir(), '.cache', 'cross-stack');
// Outside the throw-away folders, so repeated runs are incremental.
export const CARGO_TARGET_DIR =
  process.env.CARGO_TARGET_DIR ?? path.join(cacheRoot, 'cargo-target');

export const toolchains: StackToolchain[] = [
  {
    stack: 'go',
    probe: ['go', 'version'],
    env: { GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
    gates: [
      {
        title: 'gofmt -l .',
        command: 'gofmt',
        args: ['-l', '.'],
        expectEmptyOutput: true,
      },
      { title: 'go vet ./...', command: 'go', args: ['vet', './...'] },
      {
        title:
          'go test ./... without DATABASE_URL: the PostgreSQL tests report SKIP',
        command: 'go',
        args: ['test', '-count=1', '-v', './...'],
        withoutDatabase: true,
        expectOutput: /--- SKIP: /,
      },
      {
        title: 'go test ./... with DATABASE_URL: nothing skipped',
        command: 'go',
        args: ['test', '-count=1', '-v', './...'],
        needsDatabase: true,
        rejectOutput: /--- SKIP: /,
      },
    ],
    // Go has no build profiles: `make build` is the production build and takes seconds once the tests ran.
    debugBuildArgs: [],
    binary: repo => path.join(repo, 'bin/api'),
  },
  {
    stack: 'rust',
    probe: ['cargo', '--version'],
    env: { CARGO_TARGET_DIR, CARGO_TERM_COLOR: 'never' },
    gates: [
      {
        title: 'cargo fmt --check',
        command: 'cargo',
        args: ['fmt', '--check'],
      },
      {
        title: 'cargo clippy --all-targets --locked -- -D warnings',
        command: 'cargo',
        args: ['clippy', '--all-targets', '--locked', '--', '-D', 'warnings'],
      },
      {
        title:
          'cargo test --locked without DATABASE_URL: the PostgreSQL tests report ignored',
        command: 'cargo',
        args: ['test', '--locked'],
        withoutDatabase: true,
        expectOutput: /; [1-9]\d* ignored;/,
      },
      {
        title:
          'cargo test --locked -- --include-ignored with DATABASE_URL: nothing ignored',
        command: 'cargo',
        args: ['test', '--locked', '--', '--include-ignored'],
        needsDatabase: true,
        rejectOutput: /; [1-9]\d* ignored;/,
      },
    ],
    debugBuildArgs: ['PROFILE=dev'],
    binary: (_repo, packageName, debug) =>
      path.join(CARGO_TARGET_DIR, debug ? 'debug' : 'release', packageName),
  },
];

export const BUILD_ENTRYPOINT = { command: 'make', args: ['build'] };

/** Why a stack cannot run here, or undefined when its toolchain is on PATH. */
export function missingToolchain(
  toolchain: StackToolchain,
): string | undefined {
  const [command, ...args] = toolchain.probe;
  const result = spawnSync(command, args, { stdio: 'pipe' });
  return result.status === 0 ? undefined : `'${command}' is not on PATH`;
}

export function runGate(
  gate: { command: string; args: string[] },
  cwd: string,
  env: Record<string, string | undefined>,
  timeoutMs = 20 * 60_000,
) {
  // An undefined value removes the variable.
  const merged = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  const result = spawnSync(gate.command, gate.args, {
    cwd,
    env: merged,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
    error: result.error,
  };
}
