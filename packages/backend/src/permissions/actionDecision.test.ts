import type { Entity } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createScaffolderActionConditionalDecision,
  scaffolderActionConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  firstDeniedStep,
  knownCondition,
  knownInput,
  type PlannedStep,
} from './actionDecision';
import { testPolicy, user } from './testPolicy';

const ROOT = path.join(__dirname, '../../../..');
const decisionFor = (ref: string) =>
  testPolicy.handle({ permission: actionExecutePermission }, user(ref));

/** A template's steps as the guard plans them (templateRunGuard.ts), for the given values. */
const planned = (
  template: Entity,
  values: Record<string, unknown>,
): PlannedStep[] =>
  (template.spec!.steps as any[]).map(step => ({
    id: step.id,
    name: step.name,
    action: step.action,
    input: knownInput(step.input ?? {}, values) as Record<string, unknown>,
    unconditional: knownCondition(step.if, values) === true,
  }));

const readTemplate = (file: string): Entity =>
  parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const microservice = readTemplate('templates/microservice/template.yaml');
const localFixture = readTemplate(
  'packages/e2e/src/fixtures/production/template.yaml',
);
const step = (
  action: string,
  input: Record<string, unknown>,
  unconditional = true,
): PlannedStep => ({ id: 'only', action, input, unconditional });

describe('firstDeniedStep with the portal policy', () => {
  it('refuses a user outside the platform team a template that publishes on the backend host, naming the step', async () => {
    const decision = await decisionFor('user:default/oli');
    expect(decision.result).toBe(AuthorizeResult.CONDITIONAL);
    expect(
      firstDeniedStep(decision, planned(localFixture, { name: 'svc' })),
    ).toMatchObject({ id: 'publish', action: 'microservice:publish:local' });
  });

  it('lets the same user publish the microservice template to GitHub or GitLab, not on the backend host', async () => {
    const decision = await decisionFor('user:default/oli');
    const denied = (publish?: string) =>
      firstDeniedStep(
        decision,
        planned(microservice, {
          name: 'svc',
          owner: 'group:default/team-b',
          stack: 'go',
          ...(publish ? { publish } : {}),
        }),
      );
    expect(denied('github')).toBeUndefined();
    expect(denied('gitlab')).toBeUndefined();
    // `local` is the default when the values say nothing (the step's `if`).
    expect(denied('local')?.id).toBe('publish-local');
    expect(denied()?.id).toBe('publish-local');
  });

  it('lets the platform team run everything', async () => {
    const decision = await decisionFor('user:default/pat');
    expect(decision).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      firstDeniedStep(decision, planned(localFixture, { name: 'svc' })),
    ).toBeUndefined();
  });

  it('refuses a local update when the submitted values name a repository, and leaves it to run time otherwise', async () => {
    const decision = await decisionFor('user:default/oli');
    const update = (values: Record<string, unknown>, unconditional = true) =>
      firstDeniedStep(decision, [
        step(
          'microservice:service:update',
          knownInput(
            {
              repository: '${{ parameters.repository }}',
              repoUrl: '${{ parameters.repoUrl }}',
            },
            values,
          ) as Record<string, unknown>,
          unconditional,
        ),
      ]);
    expect(update({ repository: 'billing-api' })?.action).toBe(
      'microservice:service:update',
    );
    // A repoUrl (GitHub or GitLab) is allowed; no repository value means the rendered input decides at run time.
    expect(
      update({ repoUrl: 'github.com?owner=acme&repo=billing-api' }),
    ).toBeUndefined();
    // A step behind an `if` may never run: the scaffolder decides when it does.
    expect(update({ repository: 'billing-api' }, false)).toBeUndefined();
  });
});

describe('firstDeniedStep on its own', () => {
  it('refuses the first step that always runs when the decision is DENY', () => {
    const steps = [
      step('fetch:plain', {}, false),
      { ...step('microservice:service:render', {}), id: 'render' },
    ];
    expect(firstDeniedStep({ result: AuthorizeResult.DENY }, steps)?.id).toBe(
      'render',
    );
  });

  it('treats input rendered at run time as unknown, in every combination of conditions', () => {
    const deny = (
      conditions: Parameters<
        typeof createScaffolderActionConditionalDecision
      >[1],
    ): PolicyDecision =>
      createScaffolderActionConditionalDecision(
        actionExecutePermission,
        conditions,
      );
    const templated = step(
      'publish:github',
      knownInput(
        { repoUrl: '${{ parameters.repoUrl }}', private: true },
        {},
      ) as Record<string, unknown>,
    );
    const isPrivate = scaffolderActionConditions.hasBooleanProperty({
      key: 'private',
      value: true,
    });
    const acme = scaffolderActionConditions.hasStringProperty({
      key: 'repoUrl',
      value: 'github.com?owner=acme&repo=x',
    });
    // not(private): certainly false → refused.
    expect(firstDeniedStep(deny({ not: isPrivate }), [templated])).toBe(
      templated,
    );
    // repoUrl is unknown: allOf(private, acme) is unknown, so it is left to run time.
    expect(
      firstDeniedStep(deny({ allOf: [isPrivate, acme] }), [templated]),
    ).toBeUndefined();
    // anyOf(not private, acme) is unknown; anyOf(private, acme) is certainly true.
    expect(
      firstDeniedStep(deny({ anyOf: [{ not: isPrivate }, acme] }), [templated]),
    ).toBeUndefined();
    expect(
      firstDeniedStep(deny({ anyOf: [isPrivate, acme] }), [templated]),
    ).toBeUndefined();
    // Known now, the SCM names compare without case, as the scaffolder compares them.
    const known = step('publish:github', {
      repoUrl: 'github.com?owner=ACME&repo=X',
    });
    expect(firstDeniedStep(deny(acme), [known])).toBeUndefined();
    expect(
      firstDeniedStep(
        deny(
          scaffolderActionConditions.hasStringProperty({
            key: 'repoUrl',
            value: 'github.com?owner=other&repo=x',
          }),
        ),
        [known],
      ),
    ).toBe(known);
  });

  it('reads nested input, and a property of the wrong type does not match', () => {
    const decision = createScaffolderActionConditionalDecision(
      actionExecutePermission,
      scaffolderActionConditions.hasNumberProperty({ key: 'limits.cpu' }),
    );
    expect(
      firstDeniedStep(decision, [step('x', { limits: { cpu: 2 } })]),
    ).toBeUndefined();
    expect(
      firstDeniedStep(decision, [step('x', { limits: { cpu: '2' } })])?.action,
    ).toBe('x');
  });

  it('names a condition it does not know instead of guessing', () => {
    expect(() =>
      firstDeniedStep(
        {
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'scaffolder',
          resourceType: 'scaffolder-action',
          conditions: {
            rule: 'HAS_LABEL',
            resourceType: 'scaffolder-action',
            params: {},
          },
        },
        [step('x', {})],
      ),
    ).toThrow(
      'scaffolder.action.execute: the policy returned a condition this check does not know (HAS_LABEL)',
    );
  });
});

describe('knownCondition', () => {
  const values = { publish: 'github', count: 2 };
  it.each([
    [undefined, true],
    [true, true],
    [false, false],
    ["${{ parameters.publish == 'github' }}", true],
    ["${{ (parameters.publish or 'local') == 'local' }}", false],
    ['${{ parameters.missing }}', false],
    ['${{ parameters.count > 1 and not parameters.missing }}', true],
  ])('decides %j from the submitted values: %j', (condition, expected) => {
    expect(knownCondition(condition, values)).toBe(expected);
  });

  it.each([
    "${{ parameters.publish == 'github' and steps.update.output.changed }}",
    '${{ secrets.USER_OAUTH_TOKEN }}',
    '${{ user.entity.metadata.name }}',
    "${{ parameters.publish | lower == 'github' }}",
    'prefix ${{ parameters.publish }}',
    '${{ parameters.publish }}',
    'yes',
    42,
  ])('leaves %j to the scaffolder', condition => {
    expect(knownCondition(condition, values)).toBeUndefined();
  });
});
