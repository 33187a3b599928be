import {
  AuthorizeResult,
  type PermissionCondition,
  type PermissionCriteria,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import nunjucks from 'nunjucks';

/** What a task will ask the scaffolder to execute: one step's action and its input, rendered as far as known. */
export interface PlannedStep {
  id: string;
  name?: string;
  action: string;
  input: Record<string, unknown>;
  /** Whether the step certainly runs for the submitted values (see `knownCondition`). */
  unconditional: boolean;
}

/** An input value that only the scaffolder's rendering will know. */
const UNKNOWN = Symbol('rendered at run time');

const PARAMETER = /^\$\{\{\s*parameters\.([A-Za-z_$][\w$]*)\s*\}\}$/;

/**
 * A step's input as far as it is known before the task runs: literal values as written, `${{ parameters.x }}`
 * alone as the submitted value, anything else templated as unknown.
 */
export function knownInput(
  input: unknown,
  values: Record<string, unknown>,
): unknown {
  if (typeof input === 'string') {
    const parameter = PARAMETER.exec(input);
    if (parameter) {
      const value = values[parameter[1]];
      return value === undefined || value === '' ? UNKNOWN : value;
    }
    return input.includes('${{') ? UNKNOWN : input;
  }
  if (Array.isArray(input)) return input.map(item => knownInput(item, values));
  if (input && typeof input === 'object') {
    return Object.fromEntries(
      Object.entries(input).map(([key, value]) => [
        key,
        knownInput(value, values),
      ]),
    );
  }
  return input;
}

// The scaffolder's expression syntax, on the same template engine.
const expressions = new nunjucks.Environment(null, {
  autoescape: false,
  tags: { variableStart: '${{', variableEnd: '}}' },
});
const ONE_EXPRESSION = /^\$\{\{([^{}|]*)\}\}$/;
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
]);

/**
 * Whether a step's `if` lets it run, for the submitted values: true without an `if`, the constant itself, or
 * the value of one filter-free expression over `parameters` only (`${{ parameters.publish == 'local' }}`),
 * evaluated by nunjucks, the scaffolder's own template engine. Undefined for anything that depends on more
 * (earlier steps' output, secrets, the user, filters): the scaffolder decides those as the task runs.
 */
export function knownCondition(
  condition: unknown,
  values: Record<string, unknown>,
): boolean | undefined {
  if (condition === undefined) return true;
  if (typeof condition === 'boolean') return condition;
  if (typeof condition !== 'string') return undefined;
  const expression = ONE_EXPRESSION.exec(condition.trim())?.[1];
  if (expression === undefined) return undefined;
  const names = expression
    .replace(/'[^']*'|"[^"]*"/g, '')
    .match(/[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*/g);
  if (
    !names ||
    !names.every(name => KEYWORDS.has(name) || /^parameters\b/.test(name)) ||
    !names.some(name => name.startsWith('parameters'))
  ) {
    return undefined;
  }
  let rendered: string;
  try {
    rendered = expressions
      .renderString(condition.trim(), { parameters: values })
      .trim();
  } catch {
    return undefined;
  }
  if (rendered === 'true') return true;
  if (rendered === 'false' || rendered === '') return false;
  return undefined;
}

/** `lodash.get` over known input; UNKNOWN once the path reaches a templated value. */
function lookUp(input: unknown, key: string): unknown {
  let value = input;
  for (const segment of key.split(/[.[\]]/).filter(Boolean)) {
    if (value === UNKNOWN) return UNKNOWN;
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

const INTEGRATION_SEGMENT = /^(?:gitlab|github|bitbucket(?:Cloud|Server)?)$/u;
const CASE_INSENSITIVE_PROPERTIES = [
  'owner',
  'repoName',
  'projectId',
  'repoUrl',
];

/**
 * One of the scaffolder's action rules (`@backstage/plugin-scaffolder-backend`'s HAS_ACTION_ID and
 * HAS_*_PROPERTY, whose semantics this follows, including their case-insensitive SCM names), or undefined where
 * the answer depends on input rendered at run time.
 */
function applyRule(
  condition: PermissionCondition,
  step: { action: string; input: unknown },
): boolean | undefined {
  const params = (condition.params ?? {}) as Record<string, unknown>;
  if (condition.rule === 'HAS_ACTION_ID')
    return step.action === params.actionId;
  const type = {
    HAS_STRING_PROPERTY: 'string',
    HAS_BOOLEAN_PROPERTY: 'boolean',
    HAS_NUMBER_PROPERTY: 'number',
  }[condition.rule];
  if (!type) {
    throw new Error(
      `scaffolder.action.execute: the policy returned a condition this check does not know (${condition.rule})`,
    );
  }
  const key = String(params.key);
  const found = lookUp(step.input, key);
  if (found === UNKNOWN) return undefined;
  // eslint-disable-next-line valid-typeof
  if (typeof found !== type) return false;
  if (params.value === undefined) return true;
  if (typeof found === 'string' && typeof params.value === 'string') {
    const segments = step.action.split(':');
    const property = key
      .split(/[.[\]]/)
      .filter(Boolean)
      .join('.');
    if (
      segments.some(segment => INTEGRATION_SEGMENT.test(segment)) &&
      (CASE_INSENSITIVE_PROPERTIES.includes(property) ||
        (segments.includes('group') && property === 'path'))
    ) {
      return params.value.toLowerCase() === found.toLowerCase();
    }
  }
  return params.value === found;
}

/** Three-valued (Kleene) evaluation of a conditional decision's criteria: undefined is "not known yet". */
function evaluate(
  criteria: PermissionCriteria<PermissionCondition>,
  step: { action: string; input: unknown },
): boolean | undefined {
  if ('allOf' in criteria) {
    const results = criteria.allOf.map(c => evaluate(c, step));
    if (results.includes(false)) return false;
    return results.includes(undefined) ? undefined : true;
  }
  if ('anyOf' in criteria) {
    const results = criteria.anyOf.map(c => evaluate(c, step));
    if (results.includes(true)) return true;
    return results.includes(undefined) ? undefined : false;
  }
  if ('not' in criteria) {
    const result = evaluate(criteria.not, step);
    return result === undefined ? undefined : !result;
  }
  return applyRule(criteria, step);
}

/**
 * The first step the policy's `scaffolder.action.execute` decision certainly refuses, before the task exists:
 * a step that always runs, whose action (and whatever input is known from the submitted values) the decision
 * denies. Steps whose outcome depends on rendering at run time are left to the scaffolder, which checks every
 * step again as it runs it.
 */
export function firstDeniedStep(
  decision: PolicyDecision,
  steps: PlannedStep[],
): PlannedStep | undefined {
  if (decision.result === AuthorizeResult.ALLOW) return undefined;
  const certainlyDenied = (step: PlannedStep) =>
    decision.result === AuthorizeResult.CONDITIONAL
      ? evaluate(decision.conditions, step) === false
      : true;
  return steps.find(step => step.unconditional && certainlyDenied(step));
}
