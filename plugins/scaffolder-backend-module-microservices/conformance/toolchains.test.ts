import { errorLine, lockedNuGetPackage } from './toolchains';

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
