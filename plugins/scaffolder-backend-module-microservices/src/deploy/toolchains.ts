/**
 * What the deploy files need to know about each stack: the toolchain image the Dockerfile builds in and CI runs,
 * the runtime base image, and where the generated repository's `make build` leaves the binary. The versions are
 * the ones this repository's conformance tier builds with; one place, so the Dockerfile and CI never disagree.
 */
export interface DeployToolchain {
  /** Folder under `skeletons/deploy/image/` and `skeletons/ci/<provider>/`. */
  folder: string;
  /** Exact toolchain version (CI installs it; the builder image is tagged with it). */
  version: string;
  /** Builder image: an exact version tag on the same Debian release as the runtime image. */
  builderImage: string;
  /** Minimal runtime image, the `nonroot` variant (uid/gid 65532). */
  runtimeImage: string;
  /** Where `make build` writes the binary, relative to the repository root. */
  binaryPath(name: string): string;
  /** Files that pin dependencies; copied first so their layer is cached, and hashed for CI caches. */
  lockFiles: string[];
  /**
   * The runtime's soft memory limit, set from the container's memory limit (resourceFieldRef) so the runtime
   * collects before the kernel kills it. None for runtimes without a garbage-collected heap (Rust).
   */
  memoryLimitEnv?: string;
  /** Renovate's manager for the language's dependencies. */
  renovateManager: string;
  /** Renovate package names of the toolchain (builder image, CI version), updated as one group. */
  renovateToolchainPackages: string[];
}

/**
 * Versions of the tools the generated CI installs (`go install module@version`, `cargo install --version`); each
 * sits beside a `# renovate:` comment in the pipeline so Renovate updates it.
 */
export const CI_TOOLS = {
  kustomize: 'v5.8.2',
  kubeconform: 'v0.7.0',
  kubeScore: 'v1.20.0',
  cosign: 'v3.1.3',
  govulncheck: 'v1.9.0',
  cargoAudit: '0.22.2',
} as const;

/** The Go that builds those tools: GitHub's setup-go version and GitLab's image, for every stack. */
export const TOOLS_GO_VERSION = '1.26.8';
export const TOOLS_IMAGE = `golang:${TOOLS_GO_VERSION}-bookworm`;
/** Docker CLI and daemon for GitLab's image job (docker-in-docker). */
export const DOCKER_IMAGE = 'docker:27.5.1';
export const DOCKER_DIND_IMAGE = 'docker:27.5.1-dind';
/** The vulnerability scanner image GitLab runs (GitHub runs grype through anchore/scan-action). */
export const TRIVY_IMAGE = 'aquasec/trivy:0.74.0';

// Debian 12 ("bookworm") on both sides: the Rust binary links glibc dynamically and must meet the same glibc.
export const DEPLOY_TOOLCHAINS: Record<string, DeployToolchain> = {
  go: {
    folder: 'go',
    version: '1.26.8',
    builderImage: 'golang:1.26.8-bookworm',
    runtimeImage: 'gcr.io/distroless/static-debian12:nonroot',
    binaryPath: () => 'bin/api',
    lockFiles: ['go.mod', 'go.sum'],
    memoryLimitEnv: 'GOMEMLIMIT',
    renovateManager: 'gomod',
    renovateToolchainPackages: ['golang', 'go'],
  },
  rust: {
    folder: 'rust',
    version: '1.95.0',
    builderImage: 'rust:1.95.0-bookworm',
    runtimeImage: 'gcr.io/distroless/cc-debian12:nonroot',
    // The Makefile's BINARY is the package name; cargo writes to target/ unless CARGO_TARGET_DIR says otherwise.
    binaryPath: name => `target/release/${name}`,
    lockFiles: ['Cargo.toml', 'Cargo.lock'],
    renovateManager: 'cargo',
    renovateToolchainPackages: ['rust'],
  },
};

/** PostgreSQL for CI's integration tests: the major version the service is written against, pinned. */
export const POSTGRES_IMAGE = 'postgres:17.5-bookworm';

/** uid/gid of the distroless `nonroot` user, used by the Dockerfile and the pod security context alike. */
export const NONROOT_ID = 65532;
