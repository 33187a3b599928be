import {
  DOTNET_DEPENDENCY_PACKAGES,
  DOTNET_SKELETON_NAMES,
  serviceNameProblemForStack,
} from '@cross-stack/plugin-microservices-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dotnetNameRuleData } from '../../scripts/dotnet-name-rules';
import { csharpSimpleNames } from './csharpNames';

describe('the .NET name rules: what the form and the actions check names against', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dotnet-names-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('are exactly the packages of every rendered lock file and the simple names of its C# code (regenerate: yarn dotnet-name-rules)', async () => {
    const { packages, names } = await dotnetNameRuleData(work);
    expect([...DOTNET_DEPENDENCY_PACKAGES]).toEqual(packages);
    expect([...DOTNET_SKELETON_NAMES]).toEqual(names);
    // Names that broke the build when a root namespace or the resource hid them (compiled while the skeleton was
    // written), and the service's own namespaces.
    expect(names).toEqual(
      expect.arrayContaining([
        'Program',
        'Metrics',
        'Options',
        'Task',
        'Activity',
        'Guid',
        'Results',
        'ApiError',
        'New{Pascal}',
        '{Pascal}Page',
        '{PascalPlural}',
        'Http',
      ]),
    );
  });

  it('counts used names, not member accesses, declared or set names, comments or string text', () => {
    const names = csharpSimpleNames(`
      // Ignored in a comment: Comment
      /* Block */
      public sealed record User(Guid Id, string Email);
      var page = new UserPage { Limit = 10 };
      return TypedResults.Ok(Foo(name: x), $"text {Interpolated.Value} more", "Plain", @"Verbatim ""Quoted""");
      await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
      string Name => Other?.Thing;
    `);
    expect([...names].sort()).toEqual(
      [
        'Foo',
        'Guid',
        'Interpolated',
        'Other',
        'Task',
        'TimeSpan',
        'TypedResults',
        'User',
        'UserPage',
      ].sort(),
    );
  });

  it('give the form the message the action throws', () => {
    expect(serviceNameProblemForStack('npgsql', 'dotnet')).toBe(
      "name: 'npgsql' becomes the C# namespace 'Npgsql', which clashes with 'Npgsql' in the .NET stack; choose another name (try 'npgsql-service')",
    );
    expect(serviceNameProblemForStack('metrics', 'dotnet')).toMatch(
      /^name: 'metrics' becomes the C# namespace 'Metrics', which clashes with 'Metrics'/,
    );
    expect(serviceNameProblemForStack('email', 'dotnet')).toBeUndefined();
    expect(serviceNameProblemForStack('npgsql', 'go')).toBeUndefined();
  });
});
