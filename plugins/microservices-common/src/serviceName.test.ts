import {
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
