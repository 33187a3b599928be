import {
  dotnetDependencyManifestProblems,
  dotnetRuntimeVersion,
  errorLine,
  lockedNuGetPackage,
} from './toolchains';

describe('errorLine', () => {
  it("keeps cargo's first error line with its innermost cause, without the probe's folder", () => {
    const output = [
      '    Updating crates.io index',
      'warning: spurious network error (1 try remaining): [6] Could not resolve hostname',
      'error: failed to get `itoa` as a dependency of package `registry-probe v0.0.0 (/tmp/probe-rust-x1)`',
      '',
      'Caused by:',
      '  download of config.json failed',
      '',
      'Caused by:',
      '  [6] Could not resolve hostname (Could not resolve host: index.crates.io)',
    ].join('\n');
    expect(errorLine(output, '/tmp/probe-rust-x1')).toBe(
      'failed to get `itoa` as a dependency of package `registry-probe v0.0.0`: [6] Could not resolve hostname (Could not resolve host: index.crates.io)',
    );
  });

  it("keeps NuGet's code and message, not the project file", () => {
    const output = [
      '  Determining projects to restore...',
      '/tmp/probe-dotnet-x2/probe.csproj : error NU1301: Unable to load the service index for source https://127.0.0.1:9/v3/index.json.',
      '/tmp/probe-dotnet-x2/probe.csproj : error NU1301:   Connection refused (127.0.0.1:9)',
      '  Failed to restore /tmp/probe-dotnet-x2/probe.csproj (in 7.79 sec).',
    ].join('\n');
    expect(errorLine(output, '/tmp/probe-dotnet-x2')).toBe(
      'NU1301: Unable to load the service index for source https://127.0.0.1:9/v3/index.json.',
    );
  });

  it("keeps go's own line", () => {
    expect(
      errorLine(
        'go: github.com/beorn7/perks@v1.0.1: module lookup disabled by GOPROXY=off\n',
      ),
    ).toBe(
      'go: github.com/beorn7/perks@v1.0.1: module lookup disabled by GOPROXY=off',
    );
  });
});

describe('lockedNuGetPackage', () => {
  const lock = (entries: string) =>
    `{\n  "version": 1,\n  "dependencies": {\n    "net10.0": {\n${entries}\n    }\n  }\n}`;
  const npgsql = `      "Npgsql": {
        "type": "Direct",
        "requested": "[10.0.3, )",
        "resolved": "10.0.3",
        "contentHash": "x",
        "dependencies": { "Microsoft.Extensions.Logging.Abstractions": "10.0.0" }
      },`;
  const dapper = `      "Dapper": {
        "type": "Direct",
        "requested": "[2.1.86, )",
        "resolved": "2.1.86",
        "contentHash": "x"
      },`;
  const transitiveLeaf = `      "Microsoft.Extensions.Logging.Abstractions": {
        "type": "Transitive",
        "resolved": "10.0.0",
        "contentHash": "x"
      },`;
  const beta = `      "OpenTelemetry.Exporter.Prometheus.AspNetCore": {
        "type": "Direct",
        "requested": "[1.20.1-beta.1, )",
        "resolved": "1.20.1-beta.1",
        "contentHash": "x"
      },`;
  const project = `      "{{ values.dotnet.project | lower }}": {
        "type": "Project"
      }`;

  it('prefers a direct, stable package with no dependencies, in a templated lock file too', () => {
    expect(
      lockedNuGetPackage([
        lock([npgsql, beta, transitiveLeaf, dapper, project].join('\n')),
      ]),
    ).toEqual({ id: 'Dapper', version: '2.1.86' });
  });

  it('takes a direct package with dependencies when no leaf is stable', () => {
    expect(lockedNuGetPackage([lock([beta, npgsql].join('\n'))])).toEqual({
      id: 'Npgsql',
      version: '10.0.3',
    });
  });

  it('refuses lock files without a direct package', () => {
    expect(() => lockedNuGetPackage([lock(project)])).toThrow(
      /locks no direct package/,
    );
  });
});

describe('dotnetDependencyManifestProblems', () => {
  const target = '.NETCoreApp,Version=v10.0/linux-x64';
  const runtime = (file: string) => ({ runtime: { [file]: {} } });
  // The shape `dotnet publish` writes for a native AOT build, cut down to one package of each kind.
  const manifest = (overrides: {
    netcore?: string;
    npgsqlVersion?: string;
    npgsqlAssets?: boolean;
    withDbup?: boolean;
  }) => {
    const netcore = `runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/${
      overrides.netcore ?? '10.0.12'
    }`;
    const aspnet =
      'runtimepack.Microsoft.AspNetCore.App.Runtime.linux-x64/10.0.12';
    const npgsql = `Npgsql/${overrides.npgsqlVersion ?? '10.0.3'}`;
    const packages: Record<string, object> = {
      [npgsql]:
        overrides.npgsqlAssets === false
          ? {}
          : runtime('lib/net10.0/Npgsql.dll'),
    };
    if (overrides.withDbup !== false)
      packages['dbup-postgresql/7.0.1'] = runtime(
        'lib/net8.0/dbup-postgresql.dll',
      );
    return JSON.stringify({
      targets: {
        '.NETCoreApp,Version=v10.0': {},
        [target]: {
          'BillingApi.Api/1.0.0': {},
          [netcore]: runtime('System.Private.CoreLib.dll'),
          [aspnet]: runtime('Microsoft.AspNetCore.dll'),
          ...packages,
        },
      },
      libraries: {
        'BillingApi.Api/1.0.0': { type: 'project' },
        [netcore]: { type: 'runtimepack' },
        [aspnet]: { type: 'runtimepack' },
        ...Object.fromEntries(
          Object.keys(packages).map(k => [k, { type: 'package' }]),
        ),
      },
    });
  };
  const lockFile = JSON.stringify({
    version: 1,
    dependencies: {
      'net10.0': {
        'dbup-postgresql': { type: 'Direct', resolved: '7.0.1' },
        'Microsoft.DotNet.ILCompiler': { type: 'Direct', resolved: '10.0.12' },
        'Microsoft.NET.ILLink.Tasks': { type: 'Direct', resolved: '10.0.12' },
        Npgsql: { type: 'Direct', resolved: '10.0.3' },
      },
      'net10.0/linux-x64': {
        'runtime.linux-x64.Microsoft.DotNet.ILCompiler': {
          type: 'Transitive',
          resolved: '10.0.12',
        },
      },
    },
  });
  const check = (text: string | undefined) =>
    dotnetDependencyManifestProblems({
      manifestFile: 'publish/BillingApi.Api.deps.json',
      manifest: text,
      lockFile,
      runtimeVersion: '10.0.12',
    });

  it('accepts a manifest naming both runtime packs and every referenced package at its locked version', () => {
    expect(check(manifest({}))).toEqual([]);
  });

  it('names each way a manifest would mislead the image scan', () => {
    expect(check(undefined)).toEqual([
      'publish/BillingApi.Api.deps.json is missing',
    ]);
    expect(check(manifest({ netcore: '10.0.11' }))).toEqual([
      'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/10.0.11: the image runs .NET 10.0.12, the executable was compiled with 10.0.11',
    ]);
    expect(
      check(manifest({ npgsqlVersion: '10.0.2', npgsqlAssets: false })),
    ).toEqual([
      'Npgsql/10.0.2: the lock file pins 10.0.3',
      'Npgsql/10.0.2 claims no runtime assembly',
    ]);
    expect(check(manifest({ withDbup: false }))).toEqual([
      'publish/BillingApi.Api.deps.json does not name dbup-postgresql 7.0.1, which the service references',
    ]);
  });

  it('reads the runtime version from the runtime-deps image the Dockerfile runs on', () => {
    expect(dotnetRuntimeVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
