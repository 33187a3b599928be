import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dotnetNames } from '@cross-stack/plugin-microservices-common';
import { skeletonPath } from '../src/packageFiles';
import { DEPLOY_TOOLCHAINS } from '../src/deploy/toolchains';
import { stacks } from '../src/stacks';

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

/** A command whose success shows part of a toolchain is installed (`cargo clippy --version`). */
export type ToolchainCommand = [string, ...string[]];

/** A throw-away project that fetches one package the skeleton locks, through the toolchain's own client. */
export interface PackageSourceProbe {
  /** How a skip reason names the source: `crates registry`. */
  name: string;
  /**
   * Writes the throw-away project into `dir` (empty, temporary) and returns the command that fetches its one
   * dependency from the source. It must reach the source even when a cache holds that package already.
   */
  prepare(dir: string): {
    command: string;
    args: string[];
    env?: Record<string, string>;
  };
}

/** How the conformance tier builds and checks one stack's generated repository. */
export interface StackToolchain {
  stack: string;
  /** What a skip reason calls the toolchain: `no Go toolchain (…)`. */
  toolchainName: string;
  /** Commands that must succeed for the gates to run; the first one names the toolchain's main command. */
  probes: ToolchainCommand[];
  /**
   * Files of the stack's skeleton (plain, not templated) the probes run beside, as in a generated repository:
   * .NET's global.json picks the SDK, its nuget.config the package sources.
   */
  probeFiles?: string[];
  /** The package source the generated repository restores from; probed once per process. */
  packageSource: PackageSourceProbe;
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
  /**
   * What else `make build` must leave beside the binary for the image, checked after the build: the problems
   * found, none when it is right. .NET: the dependency manifest an image scanner reads (see
   * `dotnetDependencyManifestProblems`).
   */
  buildOutputProblems?(repo: string, packageName: string): string[];
}

const cacheRoot = path.join(os.homedir(), '.cache', 'cross-stack');
// Outside the throw-away folders, so repeated runs are incremental.
export const CARGO_TARGET_DIR =
  process.env.CARGO_TARGET_DIR ?? path.join(cacheRoot, 'cargo-target');

/** The first module of the Go skeleton's go.sum whose source archive it locks. */
function goSumModule(): { path: string; version: string } {
  const goSum = fs.readFileSync(skeletonPath('go/go.sum.njk'), 'utf8');
  const line = /^(\S+) (v[^\s/]+) h1:/m.exec(goSum);
  if (!line) throw new Error('skeletons/go/go.sum.njk locks no module');
  return { path: line[1], version: line[2] };
}

/**
 * `go mod download` of one module the skeleton locks, into a module cache of its own (so a warm cache cannot hide
 * an unreachable proxy), through whatever GOPROXY the machine sets. No checksum database: only the proxy is probed.
 */
const goModuleProxy: PackageSourceProbe = {
  name: 'Go module proxy',
  prepare(dir) {
    const module = goSumModule();
    return {
      command: 'go',
      args: ['mod', 'download', '-json', `${module.path}@${module.version}`],
      env: {
        GOMODCACHE: path.join(dir, 'modcache'),
        GOFLAGS: '-mod=mod -modcacherw',
        GOSUMDB: 'off',
      },
    };
  },
};

/** A crate of the Rust skeleton's lock that depends on nothing (the cheapest one to fetch). */
function leafCrate(): { name: string; version: string } {
  const lock = fs.readFileSync(skeletonPath('data/rust/Cargo.lock'), 'utf8');
  for (const block of lock.split(/\n(?=\[\[package\]\]\n)/)) {
    const name = /^name = "([^"]+)"$/m.exec(block)?.[1];
    const version = /^version = "([^"]+)"$/m.exec(block)?.[1];
    if (
      name &&
      version &&
      /^source = "registry\+/m.test(block) &&
      !/^dependencies = /m.test(block)
    )
      return { name, version };
  }
  throw new Error('skeletons/data/rust/Cargo.lock has no registry crate');
}

/**
 * `cargo fetch` of a throw-away crate with one dependency from the skeleton's lock: with no lock file of its own,
 * cargo asks the registry's index whatever its cache holds. One retry with a short timeout, so an unreachable
 * registry is known in seconds.
 */
const cratesRegistry: PackageSourceProbe = {
  name: 'crates registry',
  prepare(dir) {
    const crate = leafCrate();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/lib.rs'), '');
    fs.writeFileSync(
      path.join(dir, 'Cargo.toml'),
      `[package]\nname = "registry-probe"\nversion = "0.0.0"\nedition = "2021"\n\n` +
        `[dependencies]\n${crate.name} = "=${crate.version}"\n`,
    );
    return {
      command: 'cargo',
      args: ['fetch'],
      env: { CARGO_NET_RETRY: '1', CARGO_HTTP_TIMEOUT: '15' },
    };
  },
};

/** Every file under `dir` whose name `test` accepts, as paths relative to `dir`. */
function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(entry => entry.isFile() && test(entry.name))
    .map(entry => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * A package the .NET skeleton's lock files pin directly, preferring one with no dependencies and a stable
 * version. Read from the skeleton's text (a lock file may be templated), entry by entry.
 */
export function lockedNuGetPackage(lockTexts: string[]): {
  id: string;
  version: string;
} {
  const candidates: Array<{ id: string; version: string; leaf: boolean }> = [];
  for (const text of lockTexts) {
    for (const entry of text.matchAll(
      /"([A-Za-z0-9_.-]+)":\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)?)\}/g,
    )) {
      const body = entry[2];
      const version = /"resolved":\s*"([^"]+)"/.exec(body)?.[1];
      if (!/"type":\s*"Direct"/.test(body) || !version) continue;
      candidates.push({
        id: entry[1],
        version,
        leaf: !/"dependencies":\s*\{\s*"/.test(body),
      });
    }
  }
  const stable = candidates.filter(c => !c.version.includes('-'));
  const pick =
    stable.find(c => c.leaf) ?? stable[0] ?? candidates.find(c => c.leaf);
  if (!pick)
    throw new Error(
      'the .NET skeleton locks no direct package (no packages.lock.json under skeletons/dotnet or skeletons/data/dotnet names one)',
    );
  return { id: pick.id, version: pick.version };
}

/** The target framework the .NET skeleton's projects build for (`net10.0`). */
function dotnetTargetFramework(): string {
  const dir = skeletonPath('dotnet');
  for (const file of filesUnder(dir, n =>
    /\.(props|csproj)(\.njk)?$/.test(n),
  )) {
    const tfm = /<TargetFramework>(net[\d.]+)<\/TargetFramework>/.exec(
      fs.readFileSync(path.join(dir, file), 'utf8'),
    )?.[1];
    if (tfm) return tfm;
  }
  return 'net10.0';
}

/**
 * `dotnet restore` of a throw-away project with one package the skeleton locks, beside the skeleton's
 * nuget.config (the sources a generated repository restores from). The version floats on pre-release labels only
 * (`1.2.3-*` resolves to 1.2.3), which makes NuGet ask the source even when the shared global packages folder
 * holds the package; that folder stays shared, so what the probe downloads warms the gates' restores.
 */
const nugetSource: PackageSourceProbe = {
  name: 'NuGet source',
  prepare(dir) {
    // The skeleton's lock files, or the data files a templated lock file is filled from.
    const locks = ['dotnet', 'data/dotnet'].flatMap(folder => {
      const root = skeletonPath(folder);
      return filesUnder(root, n => /packages\.lock\.json(\.njk)?$/.test(n)).map(
        f => fs.readFileSync(path.join(root, f), 'utf8'),
      );
    });
    const pkg = lockedNuGetPackage(locks);
    fs.writeFileSync(
      path.join(dir, 'SourceProbe.csproj'),
      `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>${dotnetTargetFramework()}</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="${pkg.id}" Version="${pkg.version}-*" />
  </ItemGroup>
</Project>
`,
    );
    return {
      command: 'dotnet',
      args: ['restore', 'SourceProbe.csproj', '--no-http-cache'],
    };
  },
};

// The test summary's skipped count, as VSTest (`Skipped:     1,`) and Microsoft.Testing.Platform (`skipped: 1`)
// print it.
const DOTNET_SOME_SKIPPED = /\bskipped:\s*[1-9]\d*\b/i;
const DOTNET_NONE_SKIPPED = /\bskipped:\s*0\b/i;

export const toolchains: StackToolchain[] = [
  {
    stack: 'go',
    toolchainName: 'Go toolchain',
    probes: [
      ['go', 'version'],
      ['gofmt', '-l', '.'],
    ],
    packageSource: goModuleProxy,
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
    toolchainName: 'Rust toolchain',
    probes: [
      ['cargo', '--version'],
      ['cargo', 'fmt', '--version'],
      ['cargo', 'clippy', '--version'],
    ],
    packageSource: cratesRegistry,
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
  {
    stack: 'dotnet',
    toolchainName: '.NET SDK',
    probes: [['dotnet', '--version']],
    probeFiles: ['global.json', 'nuget.config'],
    packageSource: nugetSource,
    env: {
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      NUGET_XMLDOC_MODE: 'skip',
    },
    // Each gate reuses what the one before it produced (restore → format, build → test) where that proves the
    // same thing: a format or test run does not restore or build differently from the gates before it.
    gates: [
      {
        title: 'dotnet restore --locked-mode',
        command: 'dotnet',
        args: ['restore', '--locked-mode'],
      },
      {
        // What a reviewer runs on a toolchain pull request. The service project's lock file (the one that records
        // the SDK's native compiler, and whose packages the image ships) must come out unchanged. The test
        // project's is left out: prometheus-net asks for Microsoft.Extensions.ObjectPool >= 7.0.0, which this
        // machine's NuGet copy does not serve (its lowest is 8.0.11, so the committed lock has that), and NuGet
        // takes a lower version from the machine's package folder when one happens to be there.
        title:
          'make lock (dotnet restore --force-evaluate) leaves the service project lock file as committed',
        command: 'sh',
        args: [
          '-c',
          'lock=$(ls src/*/packages.lock.json) && before=$(sha256sum "$lock") && make lock && ' +
            '[ "$(sha256sum "$lock")" = "$before" ] || { echo "make lock changed $lock"; exit 1; }',
        ],
      },
      {
        title: 'dotnet format --verify-no-changes --no-restore',
        command: 'dotnet',
        args: ['format', '--verify-no-changes', '--no-restore'],
      },
      {
        title: 'dotnet build -c Release -warnaserror --no-restore',
        command: 'dotnet',
        args: ['build', '-c', 'Release', '-warnaserror', '--no-restore'],
      },
      {
        title:
          'dotnet test without DATABASE_URL: the PostgreSQL tests report skipped',
        command: 'dotnet',
        args: ['test', '-c', 'Release', '--no-build'],
        withoutDatabase: true,
        expectOutput: DOTNET_SOME_SKIPPED,
      },
      {
        title: 'dotnet test with DATABASE_URL: nothing skipped',
        command: 'dotnet',
        args: ['test', '-c', 'Release', '--no-build'],
        needsDatabase: true,
        expectOutput: DOTNET_NONE_SKIPPED,
        rejectOutput: DOTNET_SOME_SKIPPED,
      },
    ],
    // `make build` is `dotnet publish`; Debug skips the optimiser's work, which behaviour does not depend on.
    debugBuildArgs: ['CONFIGURATION=Debug'],
    binary: (repo, packageName) =>
      path.join(repo, 'publish', dotnetNames(packageName).project),
    buildOutputProblems: (repo, packageName) => {
      const { project } = dotnetNames(packageName);
      const read = (file: string) =>
        fs.existsSync(path.join(repo, file))
          ? fs.readFileSync(path.join(repo, file), 'utf8')
          : undefined;
      return dotnetDependencyManifestProblems({
        manifestFile: `publish/${project}.deps.json`,
        manifest: read(`publish/${project}.deps.json`),
        lockFile: read(`src/${project}/packages.lock.json`) ?? '{}',
        runtimeVersion: dotnetRuntimeVersion(),
      });
    },
  },
];

/** The .NET runtime the generated image runs on: the version in the runtime-deps image's tag (`10.0.12`). */
export function dotnetRuntimeVersion(): string {
  const image = DEPLOY_TOOLCHAINS.dotnet.runtimeImage;
  const version = /:(\d+\.\d+\.\d+)-/.exec(image)?.[1];
  if (!version) throw new Error(`no runtime version in the tag of ${image}`);
  return version;
}

// Packages the SDK adds for the native compile itself: they build the executable and are not part of it.
const DOTNET_BUILD_ONLY_PACKAGES = new Set([
  'microsoft.dotnet.ilcompiler',
  'microsoft.net.illink.tasks',
]);

interface DepsJson {
  targets?: Record<
    string,
    Record<string, { runtime?: Record<string, unknown> } | undefined>
  >;
  libraries?: Record<string, { type?: string }>;
}

interface PackagesLock {
  dependencies?: Record<
    string,
    Record<string, { type?: string; resolved?: string }>
  >;
}

/**
 * A native AOT executable names nothing it was compiled from, so the image's SBOM and scan (syft and grype,
 * trivy) see the .NET runtime and the NuGet packages only through the `<project>.deps.json` the image ships. This
 * checks that manifest the way those scanners read it: both runtime packs (.NET and ASP.NET Core) at the version
 * of the runtime-deps image, every package the service references directly, every package at the version its
 * lock file pins, and each claiming a runtime assembly (syft drops a deps.json package that claims none).
 */
export function dotnetDependencyManifestProblems(input: {
  manifestFile: string;
  manifest: string | undefined;
  lockFile: string;
  runtimeVersion: string;
}): string[] {
  if (input.manifest === undefined) return [`${input.manifestFile} is missing`];
  const deps = JSON.parse(input.manifest) as DepsJson;
  const lock = JSON.parse(input.lockFile) as PackagesLock;
  const problems: string[] = [];
  const libraries = Object.entries(deps.libraries ?? {}).map(([key, lib]) => {
    const slash = key.lastIndexOf('/');
    return {
      key,
      name: key.slice(0, slash),
      version: key.slice(slash + 1),
      type: lib.type ?? '',
    };
  });
  // The runtime-specific target (`.NETCoreApp,Version=v10.0/linux-x64`) is the one that names runtime assets.
  const targets = Object.entries(deps.targets ?? {}).filter(([name]) =>
    name.includes('/'),
  );
  if (targets.length !== 1)
    problems.push(
      `${input.manifestFile} has ${targets.length} runtime-specific targets, not 1`,
    );
  const claims = (key: string) =>
    Object.keys(targets[0]?.[1][key]?.runtime ?? {}).length > 0;

  for (const family of ['NETCore', 'AspNetCore']) {
    const prefix = `runtimepack.Microsoft.${family}.App.Runtime.`;
    const packs = libraries.filter(
      l => l.type === 'runtimepack' && l.name.startsWith(prefix),
    );
    if (packs.length !== 1)
      problems.push(
        `${input.manifestFile} names no ${prefix}<rid> runtime pack`,
      );
    for (const pack of packs) {
      if (pack.version !== input.runtimeVersion)
        problems.push(
          `${pack.key}: the image runs .NET ${input.runtimeVersion}, the executable was compiled with ${pack.version}`,
        );
      if (!claims(pack.key))
        problems.push(`${pack.key} claims no runtime assembly`);
    }
  }

  // The framework's lock entries (`net10.0`), not the per-runtime ones, which hold the native compiler only.
  // Keyed by lower-case name: NuGet package names are case-insensitive.
  const locked = new Map<
    string,
    { name: string; type: string; version: string }
  >();
  for (const [framework, entries] of Object.entries(lock.dependencies ?? {})) {
    if (framework.includes('/')) continue;
    for (const [name, entry] of Object.entries(entries))
      locked.set(name.toLowerCase(), {
        name,
        type: entry.type ?? '',
        version: entry.resolved ?? '',
      });
  }
  const packages = libraries.filter(l => l.type === 'package');
  for (const pkg of packages) {
    const pin = locked.get(pkg.name.toLowerCase());
    if (!pin) problems.push(`${pkg.key} is not in the lock file`);
    else if (pin.version !== pkg.version)
      problems.push(`${pkg.key}: the lock file pins ${pin.version}`);
    if (!claims(pkg.key))
      problems.push(`${pkg.key} claims no runtime assembly`);
  }
  const named = new Set(packages.map(p => p.name.toLowerCase()));
  for (const [key, pin] of locked) {
    if (pin.type !== 'Direct' || DOTNET_BUILD_ONLY_PACKAGES.has(key)) continue;
    if (!named.has(key))
      problems.push(
        `${input.manifestFile} does not name ${pin.name} ${pin.version}, which the service references`,
      );
  }
  return problems;
}

export const BUILD_ENTRYPOINT = { command: 'make', args: ['build'] };

/** A probe's timeout: a reachable source answers a one-package fetch well within it. */
const PROBE_TIMEOUT_MS = 90_000;

/**
 * Why a failed fetch failed, in one line: the client's first error line, with its innermost cause when it
 * prints a chain (cargo's `Caused by:`), and without the throw-away folder's path.
 */
export function errorLine(output: string, scratch = ''): string {
  const lines = output
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);
  let error =
    lines.find(l => /^error\b|\berror [A-Z]+\d+:/i.test(l)) ??
    lines.find(l => /^go: /.test(l)) ??
    lines[lines.length - 1] ??
    '(no output)';
  // `<project file> : error NU1301: text` and `error: text` keep only what follows the marker.
  error = error
    .replace(/^.*?\berror ([A-Z]+\d+):\s*/i, '$1: ')
    .replace(/^error:\s*/i, '');
  const causedBy = lines.lastIndexOf('Caused by:');
  if (causedBy >= 0 && lines[causedBy + 1])
    error = `${error}: ${lines[causedBy + 1]}`;
  if (scratch)
    error = error.split(` (${scratch})`).join('').split(scratch).join('.');
  return error.slice(0, 400);
}

/** The line of a failed command's output that says what is missing, else its first line. */
function failureLine(output: string): string {
  const lines = output
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);
  return (
    lines.find(l => /\b(error|not found|not installed)\b/i.test(l)) ??
    lines[0] ??
    '(no output)'
  );
}

/** Why `toolchain` cannot run here (toolchain missing, package source unreachable), or undefined when it can. */
function probeStack(toolchain: StackToolchain): string | undefined {
  const env = withoutUndefined({ ...process.env, ...toolchain.env });
  const scratch = fs.mkdtempSync(
    path.join(os.tmpdir(), `probe-${toolchain.stack}-`),
  );
  try {
    for (const file of toolchain.probeFiles ?? []) {
      const source = skeletonPath(`${toolchain.stack}/${file}`);
      if (fs.existsSync(source))
        fs.copyFileSync(source, path.join(scratch, file));
    }
    for (const [command, ...args] of toolchain.probes) {
      const result = spawnSync(command, args, {
        cwd: scratch,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const shown = [command, ...args].join(' ');
      if (
        (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
      )
        return `no ${toolchain.toolchainName} ('${command}' is not on PATH)`;
      if (result.status !== 0)
        return `no ${toolchain.toolchainName} ('${shown}' failed: ${failureLine(
          `${result.stderr ?? ''}${result.stdout ?? ''}${result.error ?? ''}`,
        )})`;
    }
    const source = toolchain.packageSource;
    const fetch = source.prepare(scratch);
    const result = spawnSync(fetch.command, fetch.args, {
      cwd: scratch,
      env: withoutUndefined({ ...env, ...fetch.env }),
      encoding: 'utf8',
      timeout: PROBE_TIMEOUT_MS,
    });
    if (result.error && result.signal)
      return `${source.name} unreachable (no answer within ${
        PROBE_TIMEOUT_MS / 1000
      } s to '${[fetch.command, ...fetch.args].join(' ')}')`;
    if (result.status !== 0)
      return `${source.name} unreachable (${errorLine(
        `${result.stderr ?? ''}\n${result.stdout ?? ''}`,
        scratch,
      )})`;
    return undefined;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const probed = new Map<string, string | undefined>();

/**
 * Why a stack cannot run on this machine, or undefined when it can: no stack definition or skeleton yet, its
 * toolchain is not installed, or its package source does not answer a real one-package fetch. Decided at run
 * time, once per process, so a machine that has a toolchain and its source runs the stack. Throws when the probe
 * itself cannot be built (a skeleton without the lock file it reads): that is a fault here, not the machine's.
 */
export function stackUnavailable(
  toolchain: StackToolchain,
): string | undefined {
  if (!probed.has(toolchain.stack)) {
    let reason: string | undefined;
    if (!stacks.some(s => s.id === toolchain.stack))
      reason = 'no stack definition in src/stacks';
    else if (!fs.existsSync(skeletonPath(toolchain.stack)))
      reason = `no skeleton at skeletons/${toolchain.stack}`;
    else reason = probeStack(toolchain);
    probed.set(toolchain.stack, reason);
  }
  return probed.get(toolchain.stack);
}

/** The environment with `undefined` values removed (an undefined value unsets the variable). */
function withoutUndefined(
  env: Record<string, string | undefined>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

export function runGate(
  gate: { command: string; args: string[] },
  cwd: string,
  env: Record<string, string | undefined>,
  timeoutMs = 20 * 60_000,
) {
  const merged = withoutUndefined({ ...process.env, ...env });
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
