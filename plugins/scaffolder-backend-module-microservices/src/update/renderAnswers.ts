import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, isError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createDeployRenderAction } from '../actions/deployRender';
import { createServiceRenderAction } from '../actions/serviceRender';
import { RECORDED_ACTIONS, type Answers } from '../answers';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { runAction } from './runAction';

/**
 * Renders recorded answers into `outDir` (an empty directory) through the same action handlers the template
 * runs, in the recorded order, with the current skeletons (or those under `skeletonRoot`). The answers file
 * comes out again, now naming this package's version. Bad answers are InputErrors naming the action and field.
 */
export async function renderAnswers(options: {
  answers: Answers;
  outDir: string;
  integrations?: ScmIntegrationRegistry;
  skeletonRoot?: string;
  logger?: LoggerService;
}): Promise<void> {
  const integrations = options.integrations ?? publicHostIntegrations();
  const { skeletonRoot } = options;
  const actions: Record<string, TemplateAction<any, any, any>> = {
    'microservice:service:render': createServiceRenderAction({
      integrations,
      skeletonRoot,
    }),
    'microservice:deploy:render': createDeployRenderAction({
      integrations,
      skeletonRoot,
    }),
  };
  for (const id of RECORDED_ACTIONS) {
    const recorded = options.answers.actions[id];
    if (!recorded) continue;
    try {
      await runAction(actions[id], {
        input: { ...recorded, targetPath: '.' },
        workspacePath: options.outDir,
        templateRef: options.answers.templateRef,
        logger: options.logger,
      });
    } catch (error) {
      if (isError(error) && error.name === 'InputError') {
        throw new InputError(
          `answers: the recorded input of ${id} is not accepted by this package: ${error.message}`,
        );
      }
      throw error;
    }
  }
}
