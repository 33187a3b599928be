import type {
  TemplateAction,
  TemplateExample,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parse } from 'yaml';
import { renderStepInput, validateActionInput } from '../src/cli/templateSteps';

/**
 * Runs one documented example through the real handler: its YAML is parsed, `${{ }}` expressions are filled from
 * `context` as the scaffolder would, and the input is validated against the action's JSON Schema first.
 */
export async function runExample(
  action: TemplateAction<any, any, any>,
  example: TemplateExample,
  options: { context?: object; workspacePath?: string } = {},
) {
  const doc = parse(example.example);
  const step = doc.steps.find(
    (s: { action: string }) => s.action === action.id,
  );
  if (!step)
    throw new Error(
      `example '${example.description}' has no ${action.id} step`,
    );
  const input = renderStepInput(step.input, options.context ?? {}) as any;
  validateActionInput(action, input);
  const ctx = createMockActionContext({
    input,
    ...(options.workspacePath ? { workspacePath: options.workspacePath } : {}),
  });
  await action.handler(ctx);
  return ctx;
}
