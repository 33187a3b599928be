import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { Validator } from 'jsonschema';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A logger that drops everything: the default where nobody reads an action's progress lines. */
export const silentLogger: LoggerService = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
};

/**
 * The problems the scaffolder would report before running `action` with `input`: its input JSON Schema, checked
 * with the validator the scaffolder itself uses. Empty when the input is accepted.
 */
export function actionInputProblems(
  action: TemplateAction<any, any, any>,
  input: unknown,
): string[] {
  const schema = action.schema?.input;
  if (!schema) return [];
  const result = new Validator().validate(input, schema as any);
  return result.errors.map(
    e => `${e.property.replace(/^instance\.?/, '') || 'input'}: ${e.message}`,
  );
}

/**
 * Runs an action's real handler outside the scaffolder (the CLI, `update`): input checked against its JSON Schema
 * first, as the scaffolder does, then the handler with a context that has a workspace, a logger and a template
 * ref, and collects its outputs.
 */
export async function runAction(
  action: TemplateAction<any, any, any>,
  options: {
    input: Record<string, unknown>;
    workspacePath: string;
    templateRef: string;
    logger?: LoggerService;
    taskId?: string;
  },
): Promise<Record<string, unknown>> {
  const problems = actionInputProblems(action, options.input);
  if (problems.length > 0) {
    throw new InputError(
      `Invalid input passed to action ${action.id}: ${problems.join('; ')}`,
    );
  }
  const outputs: Record<string, unknown> = {};
  await action.handler({
    input: options.input,
    workspacePath: options.workspacePath,
    logger: options.logger ?? silentLogger,
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
    checkpoint: async ({ fn }: { fn: () => Promise<any> }) => fn(),
    createTemporaryDirectory: async () =>
      fs.promises.mkdtemp(path.join(os.tmpdir(), 'microservice-action-')),
    getInitiatorCredentials: async () => {
      throw new Error(`${action.id} has no initiator outside the scaffolder`);
    },
    task: { id: options.taskId ?? 'local' },
    templateInfo: { entityRef: options.templateRef, baseUrl: undefined },
    isDryRun: false,
  } as any);
  return outputs;
}
