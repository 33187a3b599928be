import { errorLine } from './toolchains';

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
