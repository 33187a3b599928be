import {
  driftOf,
  isRenderedByTemplate,
  templateOrigin,
  type TemplateReleases,
} from './origin';

const entity = (annotations: Record<string, string>) => ({
  metadata: { annotations },
});
const complete = {
  'backstage.io/source-template': 'template:default/microservice',
  'cross-stack.dev/template-version': '0.1.0',
  'cross-stack.dev/stack': 'rust',
};

describe('templateOrigin', () => {
  it('reads the three annotations the render actions write', () => {
    expect(templateOrigin(entity(complete))).toEqual({
      known: true,
      stack: 'rust',
      template: 'template:default/microservice',
      version: '0.1.0',
    });
  });

  it('says which annotations are missing', () => {
    expect(templateOrigin(entity({}))).toEqual({
      known: false,
      reason:
        'the annotations backstage.io/source-template, cross-stack.dev/template-version, cross-stack.dev/stack are missing',
    });
    expect(
      templateOrigin(entity({ ...complete, 'cross-stack.dev/stack': '' })),
    ).toMatchObject({
      known: false,
      reason: 'the annotation cross-stack.dev/stack is missing',
    });
  });

  it('refuses a hand-edited version or an unknown stack, saying why', () => {
    expect(
      templateOrigin(
        entity({ ...complete, 'cross-stack.dev/template-version': 'latest' }),
      ),
    ).toEqual({
      known: false,
      version: 'latest',
      stack: 'rust',
      reason:
        "cross-stack.dev/template-version is 'latest', not a version (x.y.z)",
    });
    expect(
      templateOrigin(entity({ ...complete, 'cross-stack.dev/stack': 'cobol' })),
    ).toMatchObject({
      known: false,
      reason: "cross-stack.dev/stack is 'cobol', not one of go, dotnet, rust",
    });
  });

  it('recognises what this product rendered', () => {
    expect(isRenderedByTemplate(entity(complete))).toBe(true);
    expect(
      isRenderedByTemplate(entity({ 'cross-stack.dev/template-version': 'x' })),
    ).toBe(true);
    expect(
      isRenderedByTemplate(
        entity({ 'backstage.io/source-template': 'template:default/other' }),
      ),
    ).toBe(false);
  });
});

describe('driftOf', () => {
  const releases: TemplateReleases = {
    newest: '1.2.0',
    releases: [
      { version: '1.2.0', notes: 'c' },
      { version: '1.1.0', notes: 'b' },
      { version: '1.0.0', notes: 'a' },
    ],
  };

  it('is current at the newest version', () => {
    expect(driftOf('1.2.0', releases)).toEqual({ state: 'current' });
  });

  it('lists the releases in between, newest first', () => {
    expect(driftOf('1.0.0', releases)).toEqual({
      state: 'behind',
      releases: [
        { version: '1.2.0', notes: 'c' },
        { version: '1.1.0', notes: 'b' },
      ],
    });
    // A version from before the changelog began is behind by every release.
    expect(driftOf('0.9.0', releases)).toMatchObject({
      state: 'behind',
      releases: [
        { version: '1.2.0' },
        { version: '1.1.0' },
        { version: '1.0.0' },
      ],
    });
  });

  it('does not call a version from a newer portal current', () => {
    expect(driftOf('2.0.0', releases)).toEqual({
      state: 'unknown',
      reason:
        '2.0.0 is newer than 1.2.0, the newest version this portal offers',
    });
  });
});
