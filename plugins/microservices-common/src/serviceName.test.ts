import {
  dotnetNames,
  OFFERED_STACKS,
  serviceEntityRefs,
  serviceNameProblemForStack,
  stackDescriptions,
  takenNameProblem,
} from './index';

describe('serviceNameProblemForStack', () => {
  it.each([
    ['billing-api', 'go', undefined],
    ['billing-api', 'rust', undefined],
    ['self', 'go', undefined],
    ['', 'go', "name: required, a DNS-1123 label such as 'billing-api'"],
    [
      'Billing',
      'rust',
      "name: 'Billing' is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit",
    ],
    [
      'a'.repeat(64),
      'go',
      `name: '${'a'.repeat(
        20,
      )}…' is 64 characters; a DNS-1123 label has at most 63`,
    ],
    [
      'self',
      'rust',
      "name: 'self' is a Rust keyword or a name cargo reserves; the Rust stack cannot use it as a crate name (try 'self-service')",
    ],
    [
      'proc-macro',
      'rust',
      "name: 'proc-macro' is a Rust keyword or a name cargo reserves; the Rust stack cannot use it as a crate name (try 'proc-macro-service')",
    ],
    [
      '1password',
      'rust',
      "name: '1password' starts with a digit, which a Rust crate name cannot",
    ],
    [
      'serde-json',
      'rust',
      "name: 'serde-json' would clash with the dependency crate 'serde_json' in the Rust stack; choose another name",
    ],
    [
      'class',
      'dotnet',
      "name: 'class' becomes the C# namespace 'Class', a C# or Visual Basic keyword, which .NET's analyzers refuse (CA1716) in the .NET stack; choose another name (try 'class-service')",
    ],
    ['billing-2fa', 'dotnet', undefined],
    ['self', 'dotnet', undefined],
    // The native compiler's runtime.<rid>.* packages are locked too; 'runtime' is no namespace of theirs.
    ['runtime', 'dotnet', undefined],

    [
      '1password',
      'dotnet',
      "name: '1password' starts with a digit, which a C# namespace cannot; the .NET stack needs a name starting with a letter (try 'svc-1password')",
    ],
    [
      'system',
      'dotnet',
      "name: 'system' becomes the C# namespace 'System', which clashes with 'System' in the .NET stack; choose another name (try 'system-service')",
    ],
    [
      'npgsql',
      'dotnet',
      "name: 'npgsql' becomes the C# namespace 'Npgsql', which clashes with 'Npgsql' in the .NET stack; choose another name (try 'npgsql-service')",
    ],
  ])('%s for %s', (name, stack, message) => {
    expect(serviceNameProblemForStack(name, stack)).toBe(message);
  });

  it('names the entities a service registers, and says which one takes the name', () => {
    expect(serviceEntityRefs('billing-api')).toEqual([
      'component:default/billing-api',
      'api:default/billing-api',
      'resource:default/billing-api-db',
    ]);
    expect(
      takenNameProblem('billing-api', 'component:default/billing-api'),
    ).toBe(
      "name: 'billing-api' is already taken in the catalog (component:default/billing-api); choose another name",
    );
  });
});

describe('dotnetNames', () => {
  it('derives the C# names once from the service name, PascalCase word by word', () => {
    expect(dotnetNames('billing-api')).toEqual({
      namespace: 'BillingApi',
      solution: 'BillingApi',
      project: 'BillingApi.Api',
      testProject: 'BillingApi.Api.Tests',
    });
    // Lowercase C# keywords become plain identifiers (which the name rules still refuse: CA1716).
    expect(dotnetNames('class').namespace).toBe('Class');
    expect(dotnetNames('api-v2-2fa').namespace).toBe('ApiV22fa');
  });

  it('suggests a DNS-1123 name no longer than 63 characters', () => {
    const name = `9${'a'.repeat(62)}`;
    const message = serviceNameProblemForStack(name, 'dotnet')!;
    const suggested = /try '([^']+)'/.exec(message)![1];
    expect(suggested.length).toBeLessThanOrEqual(63);
    expect(serviceNameProblemForStack(suggested, 'dotnet')).toBeUndefined();
  });
});

describe('stackDescriptions', () => {
  it('describe every offered stack, in order, with what a team decides on', () => {
    expect(stackDescriptions.map(s => s.id)).toEqual([...OFFERED_STACKS]);
    for (const stack of stackDescriptions) {
      expect(stack.framework.length).toBeGreaterThan(20);
      expect(stack.includes.length).toBeGreaterThan(0);
      expect(stack.chooseWhen.length).toBeGreaterThan(20);
    }
  });
});
