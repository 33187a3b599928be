import { dotnetNames } from '@cross-stack/plugin-microservices-common';

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
  /** Builder image: an exact version tag on the same distribution release as the runtime image. */
  builderImage: string;
  /** Minimal runtime image that runs as a non-root user of its own ({@link DeployToolchain.userId}). */
  runtimeImage: string;
  /** uid (and gid) of the runtime image's non-root user: the Dockerfile's numeric USER. */
  userId: number;
  /** Where `make build` writes the executable, relative to the repository root. */
  binaryPath(name: string): string;
  /** Files that pin dependencies; copied first so their layer is cached, and hashed for CI caches. */
  lockFiles(name: string): string[];
  /** Project names of a stack whose build works on named projects (.NET), else none. */
  projects?(name: string): {
    solution: string;
    project: string;
    testProject: string;
  };
  /**
   * The runtime's soft memory limit, set from the container's memory limit (resourceFieldRef) so the runtime
   * collects before the kernel kills it. None for runtimes without a garbage-collected heap (Rust).
   */
  memoryLimitEnv?: string;
  /**
   * For a runtime that sizes its heap from the container's memory limit by itself, the share it takes by default
   * (percent); the manifests then set no memory variable and the Kubernetes README says so.
   */
  heapLimitPercent?: number;
  /** Renovate's manager for the language's dependencies. */
  renovateManager: string;
  /** Renovate package names of the toolchain (builder image, CI version), updated as one group. */
  renovateToolchainPackages: string[];
  /**
   * For a toolchain whose version the lock files record, what the toolchain group's pull request tells its
   * reviewer to do before it can pass CI (Renovate updates lock files for package changes, not toolchain ones).
   */
  renovateToolchainNote?: string;
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

/**
 * Ubuntu 24.04's make, which the .NET SDK image lacks (the Go and Rust images have it). A package of noble's
 * release pocket, which never changes, so the exact version stays installable.
 */
export const NOBLE_MAKE_PACKAGE = 'make=4.3-4.1build2';

/** uid/gid of the distroless `nonroot` user (Go and Rust images). */
export const NONROOT_ID = 65532;
/** uid/gid of the `app` user the .NET images create (their APP_UID). */
export const DOTNET_APP_UID = 1654;

/** The Go that builds those tools: GitHub's setup-go version and GitLab's image, for every stack. */
export const TOOLS_GO_VERSION = '1.26.8';
export const TOOLS_IMAGE = `golang:${TOOLS_GO_VERSION}-bookworm`;
/** Docker CLI and daemon for GitLab's image job (docker-in-docker). */
export const DOCKER_IMAGE = 'docker:27.5.1';
export const DOCKER_DIND_IMAGE = 'docker:27.5.1-dind';
/** The vulnerability scanner image GitLab runs (GitHub runs grype through anchore/scan-action). */
export const TRIVY_IMAGE = 'aquasec/trivy:0.74.0';

// Go and Rust: Debian 12 ("bookworm") on both sides; the Rust binary links glibc dynamically and must meet the same
// glibc.
export const DEPLOY_TOOLCHAINS: Record<string, DeployToolchain> = {
  go: {
    folder: 'go',
    version: '1.26.8',
    builderImage: 'golang:1.26.8-bookworm',
    runtimeImage: 'gcr.io/distroless/static-debian12:nonroot',
    userId: NONROOT_ID,
    binaryPath: () => 'bin/api',
    lockFiles: () => ['go.mod', 'go.sum'],
    memoryLimitEnv: 'GOMEMLIMIT',
    renovateManager: 'gomod',
    renovateToolchainPackages: ['golang', 'go'],
  },
  rust: {
    folder: 'rust',
    version: '1.95.0',
    builderImage: 'rust:1.95.0-bookworm',
    runtimeImage: 'gcr.io/distroless/cc-debian12:nonroot',
    userId: NONROOT_ID,
    // The Makefile's BINARY is the package name; cargo writes to target/ unless CARGO_TARGET_DIR says otherwise.
    binaryPath: name => `target/release/${name}`,
    lockFiles: () => ['Cargo.toml', 'Cargo.lock'],
    renovateManager: 'cargo',
    renovateToolchainPackages: ['rust'],
  },
  // .NET's images are Ubuntu 24.04 ("noble"); the SDK is the one global.json pins (CI's setup-dotnet reads it
  // there), in the image variant with the native AOT compiler's clang, llvm and zlib. The service is a native
  // executable, so the runtime is the chiseled runtime-deps image: C libraries, OpenSSL and CA certificates, no
  // shell or package manager, the `app` user, no ICU (the service runs in invariant globalization mode). Tags as
  // the dotnet-docker manifest writes them: `<sdk version>-noble-aot`, `<runtime version>-noble-chiseled`.
  dotnet: {
    folder: 'dotnet',
    version: '10.0.401',
    builderImage: 'mcr.microsoft.com/dotnet/sdk:10.0.401-noble-aot',
    runtimeImage:
      'mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled',
    userId: DOTNET_APP_UID,
    // `make build` publishes the API project as one native executable into publish/.
    binaryPath: name => `publish/${dotnetNames(name).project}`,
    lockFiles: name => {
      const { project, testProject } = dotnetNames(name);
      return [
        `src/${project}/packages.lock.json`,
        `tests/${testProject}/packages.lock.json`,
      ];
    },
    projects: name => {
      const { solution, project, testProject } = dotnetNames(name);
      return { solution, project, testProject };
    },
    // The GC keeps its heap under 75 % of the container's limit unless told otherwise (GCHeapHardLimitPercent).
    heapLimitPercent: 75,
    renovateManager: 'nuget',
    // The builder and runtime images ship one .NET release together, and global.json pins the SDK CI installs.
    renovateToolchainPackages: [
      'mcr.microsoft.com/dotnet/sdk',
      'mcr.microsoft.com/dotnet/runtime-deps',
      'dotnet-sdk',
    ],
    // The SDK adds its own native compiler packages to the lock files; Renovate rewrites lock files only for
    // changes to the projects or Directory.Packages.props, not for global.json.
    renovateToolchainNote:
      "The lock files record the native compiler of the SDK that wrote them, so CI's locked restore fails on this branch until they are rewritten: check it out, run `make lock` and push the changed `packages.lock.json` files.",
  },
};

/** PostgreSQL for CI's integration tests: the major version the service is written against, pinned. */
export const POSTGRES_IMAGE = 'postgres:17.5-bookworm';
