/*
 * Why the .NET manifests set no memory variable, checked against the runtime where the .NET SDK is on PATH: the
 * GC reads DOTNET_GCHeapHardLimit as hexadecimal, so the decimal byte count a resourceFieldRef gives (as GOMEMLIMIT
 * gets for Go) would set a limit about 38 times the container's. Elsewhere it says why it skipped.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
const skipReason =
  dotnet.error || dotnet.status !== 0
    ? `no .NET SDK on PATH (${dotnet.error?.message ?? dotnet.stderr})`
    : undefined;

const MEMORY_LIMIT = 256 * 1024 * 1024; // the base Deployment's limits.memory, 256Mi

(skipReason ? describe.skip : describe)(
  'the .NET GC heap limit variable',
  () => {
    let dir: string;
    let program: string;

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-limit-'));
      fs.writeFileSync(
        path.join(dir, 'GcLimit.csproj'),
        `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
</Project>
`,
      );
      // The heap limit the GC works with, in bytes.
      fs.writeFileSync(
        path.join(dir, 'Program.cs'),
        'Console.WriteLine(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);\n',
      );
      const build = spawnSync(
        'dotnet',
        ['build', '-c', 'Release', '-o', 'out', '-nologo'],
        { cwd: dir, encoding: 'utf8', timeout: 180_000 },
      );
      if (build.status !== 0)
        throw new Error(`building the probe failed:\n${build.stdout}`);
      program = path.join(dir, 'out', 'GcLimit');
    }, 200_000);

    afterAll(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const heapLimit = (value: string) => {
      const run = spawnSync(program, [], {
        encoding: 'utf8',
        env: { ...process.env, DOTNET_GCHeapHardLimit: value },
      });
      expect(run.status).toBe(0);
      return Number(run.stdout.trim());
    };

    it('reads the decimal byte count a resourceFieldRef gives as hexadecimal', () => {
      // 268435456 read as 0x268435456: about 9.6 GiB for a 256 MiB container.
      expect(heapLimit(String(MEMORY_LIMIT))).toBe(0x268435456);
      expect(heapLimit(String(MEMORY_LIMIT)) / MEMORY_LIMIT).toBeGreaterThan(
        38,
      );
    });

    it('takes the limit only in hexadecimal', () => {
      expect(heapLimit(`0x${MEMORY_LIMIT.toString(16)}`)).toBe(MEMORY_LIMIT);
    });
  },
);

if (skipReason)
  // eslint-disable-next-line no-console
  console.log(`the .NET GC heap limit variable: skipped, ${skipReason}`);
