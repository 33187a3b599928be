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

  it('refuses another or a malformed source template, saying why', () => {
    for (const template of ['template:default/other', 'microservice', ''])
      expect(
        templateOrigin(
          entity({ ...complete, 'backstage.io/source-template': template }),
        ),
      ).toMatchObject({
        known: false,
        reason: template
          ? `backstage.io/source-template is '${template}', not template:default/microservice`
          : 'the annotation backstage.io/source-template is missing',
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
    // A version the changelog never released: an update could not find its base either.
    expect(driftOf('0.9.0', releases)).toEqual({
      state: 'unknown',
      reason:
        '0.9.0 is not a released version of the template (its changelog has 1.2.0, 1.1.0, 1.0.0), so an update cannot find what it changed',
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
