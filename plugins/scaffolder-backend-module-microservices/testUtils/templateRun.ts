import type { Config } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import { createPublishGithubAction } from '@backstage/plugin-scaffolder-backend-module-github';
import { createPublishGitlabAction } from '@backstage/plugin-scaffolder-backend-module-gitlab';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createDeployRenderAction } from '../src/actions/deployRender';
import { createServiceRenderAction } from '../src/actions/serviceRender';
import { renderStepInput, validateActionInput } from '../src/cli/templateSteps';

/** The actions the microservice template's render and GitHub/GitLab publish steps run, as the portal has them. */
export function createAndPublishActions(options: {
  integrations: ScmIntegrationRegistry;
  config: Config;
  skeletonRoot?: string;
}): Record<string, TemplateAction<any, any, any>> {
  const { integrations, config, skeletonRoot } = options;
  return {
    'microservice:service:render': createServiceRenderAction({
      integrations,
      skeletonRoot,
    }),
    'microservice:deploy:render': createDeployRenderAction({
      integrations,
      skeletonRoot,
    }),
    'publish:github': createPublishGithubAction({
      integrations,
      config,
      githubCredentialsProvider:
        DefaultGithubCredentialsProvider.fromIntegrations(integrations),
    }),
    'publish:gitlab': createPublishGitlabAction({ integrations, config }),
  };
}

/** A template of this repository's `templates/` folder, parsed. */
export function repositoryTemplate(name: 'microservice' | 'update') {
  return parse(
    fs.readFileSync(
      path.join(__dirname, `../../../templates/${name}/template.yaml`),
      'utf8',
    ),
  );
}

export type StepOutputs = Record<string, { output: Record<string, any> }>;

/**
 * Runs a template's steps as the scaffolder does: each step's `if` and input are rendered from the parameters,
 * secrets and earlier steps' outputs, the input is validated against the action's schema, and the action's
 * handler runs in the workspace. A step whose action is not in `actions` fails the run, so none is skipped by
 * accident; a step whose `if` is false is skipped, as the scaffolder skips it.
 */
export async function runTemplate(options: {
  template: 'microservice' | 'update';
  parameters: Record<string, unknown>;
  actions: Record<string, TemplateAction<any, any, any>>;
  workspacePath: string;
  secrets?: Record<string, string>;
  task?: { id: string };
  /** Steps the test leaves out on purpose (e.g. catalog registration, which needs a catalog). */
  skipSteps?: string[];
}): Promise<{ steps: StepOutputs; ran: string[] }> {
  const template = repositoryTemplate(options.template);
  const steps: StepOutputs = {};
  const ran: string[] = [];
  for (const step of template.spec.steps) {
    const context = {
      parameters: options.parameters,
      secrets: options.secrets ?? {},
      steps,
    };
    if (step.if !== undefined && !renderStepInput(step.if, context)) continue;
    if (options.skipSteps?.includes(step.id)) continue;
    const action = options.actions[step.action];
    if (!action) {
      throw new Error(
        `step ${step.id}: the test gave no implementation of ${step.action}`,
      );
    }
    const input = renderStepInput(step.input ?? {}, context) ?? {};
    validateActionInput(action, input);
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: options.workspacePath,
      task: options.task ?? { id: 'task-0001' },
    } as any);
    await action.handler(ctx);
    steps[step.id] = {
      output: Object.fromEntries(
        (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
      ),
    };
    ran.push(step.id);
  }
  return { steps, ran };
}
