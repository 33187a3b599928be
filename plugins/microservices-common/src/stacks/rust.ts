import { RUST_DEPENDENCY_CRATES } from './rustDependencyCrates';
import type { StackDescription } from './types';

// Strict, reserved and weak keywords of Rust 2024, plus names cargo refuses for a package.
const RUST_KEYWORDS = new Set(
  (
    'as async await break const continue crate dyn else enum extern false fn for gen if impl in let loop match mod ' +
    'move mut pub ref return self static struct super trait true type unsafe use where while abstract become box do ' +
    'final macro override priv try typeof unsized virtual yield union'
  ).split(' '),
);
const CARGO_RESERVED = new Set([
  'test',
  'core',
  'std',
  'alloc',
  'proc_macro',
  'proc-macro',
  'build',
  'deps',
  'examples',
  'incremental',
]);

/**
 * The Rust crate name of a service: its name in snake_case.
 *
 * @public
 */
export const rustCrateName = (name: string) => name.replace(/-/g, '_');

/**
 * The dependency crate a service name would clash with (same package or crate name), among `dependencies`
 * (by default every crate in the skeleton's lock files); undefined when none.
 *
 * @public
 */
export function rustDependencyClash(
  name: string,
  dependencies: Iterable<string> = RUST_DEPENDENCY_CRATES,
): string | undefined {
  const crate = rustCrateName(name);
  for (const dependency of dependencies)
    if (dependency === name || rustCrateName(dependency) === crate)
      return dependency;
  return undefined;
}

/**
 * The message for a name that clashes with one of the Rust stack's dependency crates.
 *
 * @public
 */
export const rustDependencyClashProblem = (name: string, clash: string) =>
  `name: '${name}' would clash with the dependency crate '${clash}' in the Rust stack; choose another name`;

/**
 * What cargo and rustc refuse as a crate name, whatever the lock file holds.
 *
 * @public
 */
export function rustCrateNameProblem(name: string): string | undefined {
  const crate = rustCrateName(name);
  if (/^[0-9]/.test(name)) {
    return `name: '${name}' starts with a digit, which a Rust crate name cannot`;
  }
  if (
    RUST_KEYWORDS.has(crate) ||
    CARGO_RESERVED.has(name) ||
    CARGO_RESERVED.has(crate)
  ) {
    return `name: '${name}' is a Rust keyword or a name cargo reserves; the Rust stack cannot use it as a crate name (try '${name}-service')`;
  }
  return undefined;
}

export const rustDescription: StackDescription = {
  id: 'rust',
  title: 'Rust (axum)',
  framework:
    'axum 0.8 on tokio and hyper, sqlx 0.9 for PostgreSQL (rustls), tracing with OpenTelemetry (OTLP), metrics with a Prometheus exporter',
  includes: [
    'a release binary with LTO; cargo fmt, clippy -D warnings and cargo test in CI',
    'Cargo.lock pinned (builds with --locked); migrations embedded in the binary',
    'Dockerfile on distroless nonroot, Kubernetes manifests, GitHub Actions or GitLab CI',
  ],
  chooseWhen:
    'Performance-critical paths that need predictable latency and a small memory footprint; a team that already writes Rust.',
  nameProblem(name) {
    const problem = rustCrateNameProblem(name);
    if (problem) return problem;
    const clash = rustDependencyClash(name);
    return clash ? rustDependencyClashProblem(name, clash) : undefined;
  },
};
