import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { InputError } from '@backstage/errors';
// The CLI is a development tool run from source (`yarn render`), not part of the built package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Validator } from 'jsonschema';
import nunjucks from 'nunjucks';
import fs from 'node:fs';
import { parse } from 'yaml';

type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [k: string]: JsonValue };

interface TemplateDocument {
  spec: {
    parameters: Array<{ properties?: Record<string, { default?: JsonValue }> }>;
    steps: Array<{
      id: string;
      action: string;
      input?: Record<string, JsonValue>;
    }>;
  };
}

export function loadTemplate(file: string): TemplateDocument {
  return parse(fs.readFileSync(file, 'utf8')) as TemplateDocument;
}

/** The defaults the form would fill in, keyed by parameter name. */
export function parameterDefaults(
  template: TemplateDocument,
): Record<string, JsonValue> {
  const defaults: Record<string, JsonValue> = {};
  for (const page of template.spec.parameters) {
    for (const [key, property] of Object.entries(page.properties ?? {})) {
      if (property.default !== undefined) defaults[key] = property.default;
    }
  }
  return defaults;
}

const env = new nunjucks.Environment(null, {
  autoescape: false,
  tags: { variableStart: '${{', variableEnd: '}}' },
});
const soleExpression = /^\$\{\{([\s\S]*)\}\}$/;

/**
 * Fills `${{ parameters.x }}` into a step's input as the scaffolder does: a string that is one expression keeps
 * the value's type (booleans stay booleans); anything else renders to a string. Undefined values are dropped.
 */
export function renderStepInput(
  input: JsonValue,
  context: object,
): JsonValue | undefined {
  if (typeof input === 'string') {
    const sole = soleExpression.exec(input.trim());
    if (sole && !sole[1].includes('}}')) {
      const json = env.renderString(`\${{ (${sole[1]}) | dump }}`, context);
      return json === '' ? undefined : JSON.parse(json);
    }
    return env.renderString(input, context);
  }
  if (Array.isArray(input)) {
    return input
      .map(v => renderStepInput(v, context))
      .filter(v => v !== undefined) as JsonValue[];
  }
  if (input && typeof input === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(input)) {
      const rendered = renderStepInput(value, context);
      if (rendered !== undefined) out[key] = rendered;
    }
    return out;
  }
  return input;
}

/** Validates an action input against the action's JSON Schema, as the scaffolder does before running it. */
export function validateActionInput(
  action: TemplateAction<any, any, any>,
  input: JsonValue,
) {
  const schema = action.schema?.input;
  if (!schema) return;
  const result = new Validator().validate(input, schema as any);
  if (!result.valid) {
    const problems = result.errors.map(
      e => `${e.property.replace(/^instance\.?/, '') || 'input'}: ${e.message}`,
    );
    throw new InputError(
      `Invalid input passed to action ${action.id}: ${problems.join('; ')}`,
    );
  }
}
