import {
  DOTNET_DEPENDENCY_PACKAGES,
  serviceNameProblemForStack,
} from '@cross-stack/plugin-microservices-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dotnetLockPackages } from '../../scripts/dotnet-dependency-packages';

describe('the .NET dependency packages the form checks names against', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dotnet-packages-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('are exactly the packages of every rendered lock file (regenerate: yarn dotnet-dependency-packages)', async () => {
    expect([...DOTNET_DEPENDENCY_PACKAGES]).toEqual(
      await dotnetLockPackages(work),
    );
  });

  it('give the form the message the action throws', () => {
    expect(serviceNameProblemForStack('npgsql', 'dotnet')).toBe(
      "name: 'npgsql' becomes the C# namespace 'Npgsql', which clashes with 'Npgsql' in the .NET stack; choose another name (try 'npgsql-service')",
    );
    expect(serviceNameProblemForStack('npgsql', 'go')).toBeUndefined();
  });
});
