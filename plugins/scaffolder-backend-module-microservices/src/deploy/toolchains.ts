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
}

// Debian 12 ("bookworm") on both sides: the Rust binary links glibc dynamically and must meet the same glibc.
export const DEPLOY_TOOLCHAINS: Record<string, DeployToolchain> = {
  go: {
    folder: 'go',
    version: '1.26.8',
    builderImage: 'golang:1.26.8-bookworm',
    runtimeImage: 'gcr.io/distroless/static-debian12:nonroot',
    binaryPath: () => 'bin/api',
    lockFiles: ['go.mod', 'go.sum'],
  },
  rust: {
    folder: 'rust',
    version: '1.95.0',
    builderImage: 'rust:1.95.0-bookworm',
    runtimeImage: 'gcr.io/distroless/cc-debian12:nonroot',
    // The Makefile's BINARY is the package name; cargo writes to target/ unless CARGO_TARGET_DIR says otherwise.
    binaryPath: name => `target/release/${name}`,
    lockFiles: ['Cargo.toml', 'Cargo.lock'],
  },
};

/** PostgreSQL for CI's integration tests: the major version the service is written against, pinned. */
export const POSTGRES_IMAGE = 'postgres:17.5-bookworm';

/** uid/gid of the distroless `nonroot` user, used by the Dockerfile and the pod security context alike. */
export const NONROOT_ID = 65532;
