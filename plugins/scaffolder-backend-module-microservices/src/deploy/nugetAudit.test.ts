/*
 * The .NET pipelines' audit gate, run for real where the .NET SDK is on PATH: the command both pipelines carry is
 * run against a small project with a lock file, with advisories served by an audit source on loopback, so the test
 * shows which findings fail the job (high and critical, transitive ones too) and that unread advisory data fails
 * it as well. Elsewhere it says why it skipped.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { deploySpec } from './prepareDeploy';
import { renderDeployFiles } from './renderDeployFiles';

// A package of the NuGet copy this project's machines reach, with a transitive dependency of its own.
const PACKAGE = { id: 'Npgsql', version: '10.0.3' };
const TRANSITIVE = 'Microsoft.Extensions.Logging.Abstractions';

const dotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
const skipReason =
  dotnet.error || dotnet.status !== 0
    ? `no .NET SDK on PATH (${dotnet.error?.message ?? dotnet.stderr})`
    : undefined;

async function auditCommands(): Promise<{ github: string; gitlab: string }> {
  const read = async (ci: 'github' | 'gitlab', file: string) => {
    const files = await renderDeployFiles(
      deploySpec({
        stack: 'dotnet',
        name: 'billing-api',
        owner: 'group:default/team-a',
        ci,
      }),
    );
    return parse(files.find(f => f.path === file)!.content.toString('utf8'));
  };
  const github = await read('github', '.github/workflows/ci.yml');
  const gitlab = await read('gitlab', '.gitlab-ci.yml');
  const runs = github.jobs.audit.steps
    .map((s: { run?: string }) => s.run)
    .filter(Boolean);
  return { github: runs.join('\n'), gitlab: gitlab.audit.script.join('\n') };
}

/** Runs a shell command without blocking the event loop, so the in-process audit source can answer it. */
function run(command: string, cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>(resolve => {
    execFile(
      'sh',
      ['-c', command],
      { cwd, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          output: `${stdout}${stderr}`,
        }),
    );
  });
}

(skipReason ? describe.skip : describe)('the .NET audit gate', () => {
  let dir: string;
  let server: http.Server;
  let base = '';
  let advisories: Record<string, unknown> = {};
  let command = '';

  beforeAll(async () => {
    const commands = await auditCommands();
    if (commands.gitlab !== commands.github)
      throw new Error(
        `the pipelines audit differently:\n${commands.github}\n${commands.gitlab}`,
      );
    command = commands.github;
    // An audit source: a service index with a VulnerabilityInfo resource, its index and one page.
    server = http.createServer((req, res) => {
      const pages: Record<string, unknown> = {
        '/index.json': {
          version: '3.0.0',
          resources: [
            {
              '@id': `${base}/vulnerability/index.json`,
              '@type': 'VulnerabilityInfo/6.7.0',
            },
          ],
        },
        '/vulnerability/index.json': [
          {
            '@name': 'base',
            '@id': `${base}/vulnerability/base.json`,
            '@updated': new Date().toISOString(),
          },
        ],
        '/vulnerability/base.json': advisories,
      };
      const page = pages[req.url ?? ''];
      res.writeHead(page ? 200 : 404, { 'content-type': 'application/json' });
      res.end(page ? JSON.stringify(page) : '');
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuget-audit-'));
    fs.writeFileSync(
      path.join(dir, 'Audited.csproj'),
      `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <RestorePackagesWithLockFile>true</RestorePackagesWithLockFile>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="${PACKAGE.id}" Version="${PACKAGE.version}" />
  </ItemGroup>
</Project>
`,
    );
    // The user's package sources stay; advisories come from the loopback source only.
    fs.writeFileSync(
      path.join(dir, 'nuget.config'),
      `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <auditSources>
    <clear />
    <add key="loopback" value="${base}/index.json" allowInsecureConnections="true" />
  </auditSources>
</configuration>
`,
    );
    const lock = await run('dotnet restore -p:NuGetAudit=false', dir, {
      ...process.env,
    });
    if (lock.code !== 0)
      throw new Error(`restoring the audited project failed:\n${lock.output}`);
  }, 240_000);

  afterAll(async () => {
    await new Promise(resolve => server?.close(resolve));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The pipeline's command with a fresh HTTP cache, so each case reads the advisories it serves. */
  const audit = () =>
    run(command, dir, {
      ...process.env,
      NUGET_HTTP_CACHE_PATH: fs.mkdtempSync(path.join(dir, 'http-cache-')),
    });
  const advisory = (id: string, severity: number) => ({
    [id.toLowerCase()]: [
      {
        severity,
        url: 'https://advisories.example/GHSA-test',
        versions: '[0.0.0, 999.0.0)',
      },
    ],
  });

  it.each([
    ['no advisory', 0, {}, []],
    // NuGet's severities: 0 low, 1 moderate, 2 high, 3 critical. Below the gate's level nothing is reported.
    ['a moderate advisory', 0, advisory(PACKAGE.id, 1), []],
    [
      'a high advisory',
      1,
      advisory(PACKAGE.id, 2),
      [`error NU1903: Package '${PACKAGE.id}'`],
    ],
    [
      'a critical advisory',
      1,
      advisory(PACKAGE.id, 3),
      [`error NU1904: Package '${PACKAGE.id}'`],
    ],
    [
      'a high advisory on a transitive package',
      1,
      advisory(TRANSITIVE, 2),
      [`error NU1903: Package '${TRANSITIVE}'`],
    ],
  ])(
    '%s: exit code %i',
    async (_case, code, served, errors) => {
      advisories = served;
      const result = await audit();
      expect(result.code).toBe(code);
      // Each finding once per line MSBuild prints it; the set is what counts.
      const found = new Set(
        result.output.match(/(?:error|warning) NU19\d\d: Package '[^']+'/g),
      );
      expect([...found]).toEqual(errors);
    },
    180_000,
  );

  it('fails when the advisories cannot be read', async () => {
    await new Promise(resolve => server.close(resolve));
    const result = await audit();
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /error NU1900: Error occurred while getting package vulnerability data/,
    );
  }, 180_000);
});

if (skipReason)
  // eslint-disable-next-line no-console
  console.log(`the .NET audit gate: skipped, ${skipReason}`);
