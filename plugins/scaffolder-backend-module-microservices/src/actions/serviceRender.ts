import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import {
  ANSWERS_FILE,
  answersFileFor,
  INITIAL_COMMIT_MESSAGE_DESCRIPTION,
  initialCommitMessage,
} from '../answers';
import { packageVersion, skeletonPath } from '../packageFiles';
import { renderSkeletonFiles, writeRenderedFiles } from '../render';
import {
  DEFAULT_LIFECYCLE,
  DEFAULT_RESOURCE,
  DEFAULT_TEMPLATE_REF,
  LIFECYCLES,
  prepareService,
} from '../stacks/prepareService';
import type { ServiceSpec } from '../stacks/types';
import { serviceSkeletonFolders } from '../stacks';
import { examples } from './serviceRender.examples';
import * as props from './inputProperties';

export const SERVICE_RENDER_ID = 'microservice:service:render';

/**
 * Input of `microservice:service:render`; optional fields get the defaults its schema declares.
 *
 * @public
 */
export type ServiceRenderInput = {
  stack: 'go' | 'dotnet' | 'rust';
  name: string;
  owner: string;
  description?: string;
  system?: string;
  lifecycle?: 'experimental' | 'production' | 'deprecated';
  resource?: string;
  resourcePlural?: string;
  features?: { auth?: boolean };
  repoUrl?: string;
  targetPath?: string;
  overwrite?: boolean;
};

/**
 * Output of `microservice:service:render`.
 *
 * @public
 */
export type ServiceRenderOutput = {
  targetPath: string;
  files: string[];
  entityRef: string;
  /** The first commit's message, marking it as the pristine render (see INITIAL_COMMIT_MESSAGE_DESCRIPTION). */
  initialCommitMessage: string;
};

/** Every value the render used, defaults applied: what `.microservice/answers.yaml` records for this action. */
export function recordedServiceInput(
  spec: ServiceSpec,
): Required<Omit<ServiceRenderInput, 'targetPath' | 'overwrite'>> {
  return {
    stack: spec.stack as ServiceRenderInput['stack'],
    name: spec.name,
    owner: spec.owner,
    description: spec.description,
    system: spec.system,
    lifecycle: spec.lifecycle as Required<ServiceRenderInput>['lifecycle'],
    resource: spec.resource.singular,
    // Recorded, not derived again: a later pluralization rule must not rename a table.
    resourcePlural: spec.resource.plural,
    features: { auth: spec.auth },
    repoUrl: spec.repoUrl,
  };
}

/**
 * Renders a service skeleton (code, tests, migrations, OpenAPI, docs, catalog-info.yaml) into the workspace, and
 * records the values it used in `.microservice/answers.yaml`. `integrations` resolve `repoUrl` (build them with
 * `ScmIntegrations.fromConfig(config)`); `skeletonRoot` replaces the shipped `skeletons/` folder (tests, and
 * platform teams trying a skeleton change).
 *
 * @public
 */
export function createServiceRenderAction(options: {
  integrations: ScmIntegrationRegistry;
  skeletonRoot?: string;
}): TemplateAction<ServiceRenderInput, ServiceRenderOutput, 'v2'> {
  const { integrations, skeletonRoot } = options;
  return createTemplateAction({
    id: SERVICE_RENDER_ID,
    description:
      'Renders a production-grade service in the chosen stack (Go, .NET or Rust): code, tests, migrations, OpenAPI spec, README, TechDocs and catalog-info.yaml',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        stack: props.stack,
        name: props.name,
        owner: props.owner,
        description: props.description,
        system: props.system,
        lifecycle: z =>
          props.withDefault(
            z.enum(LIFECYCLES, { description: 'Catalog lifecycle' }),
            DEFAULT_LIFECYCLE,
          ),
        resource: z =>
          props.withDefault(
            z.string({
              description: 'Sample API resource, singular, kebab-case',
            }),
            DEFAULT_RESOURCE,
          ),
        resourcePlural: z =>
          z
            .string({
              description:
                "Plural of the resource; default: English rules on its last word ('person' → 'people')",
            })
            .optional(),
        features: z =>
          z
            .object({
              auth: props.withDefault(
                z.boolean({ description: 'JWT bearer auth on /api/v1' }),
                false,
              ),
            })
            .optional(),
        repoUrl: props.repoUrl,
        targetPath: props.targetPath,
        overwrite: props.overwrite,
      },
      output: {
        targetPath: z =>
          z.string({
            description:
              'Where the service was rendered, relative to the workspace',
          }),
        files: z =>
          z.array(z.string(), {
            description:
              'Rendered files, relative to targetPath, including the answers file .microservice/answers.yaml',
          }),
        initialCommitMessage: z =>
          z.string({ description: INITIAL_COMMIT_MESSAGE_DESCRIPTION }),
        entityRef: z =>
          z.string({ description: "The service's Component entity ref" }),
      },
    },
    async handler(ctx) {
      const targetPath = ctx.input.targetPath ?? '.';
      // Refuse an escaping target before any work is done.
      resolveSafeChildPath(ctx.workspacePath, targetPath);
      const templateRef = ctx.templateInfo?.entityRef ?? DEFAULT_TEMPLATE_REF;
      const { spec, stack, values } = await prepareService(ctx.input, {
        templateRef,
        integrations,
      });
      ctx.logger.info(
        `Rendering ${stack.title} service '${spec.name}' (${
          spec.resource.plural
        }${spec.auth ? ', auth' : ''}) into '${targetPath}'`,
      );
      const files = await renderSkeletonFiles(
        serviceSkeletonFolders(stack).map(folder =>
          skeletonPath(folder, skeletonRoot),
        ),
        { ...values },
        { includeRoot: skeletonPath('.', skeletonRoot) },
      );
      files.push(
        await answersFileFor({
          targetDir: resolveSafeChildPath(ctx.workspacePath, targetPath),
          action: SERVICE_RENDER_ID,
          input: recordedServiceInput(spec),
          templateRef,
          packageVersion: packageVersion(),
        }),
      );
      const written = await writeRenderedFiles({
        rootDir: ctx.workspacePath,
        targetPath,
        files: files.sort((a, b) => (a.path < b.path ? -1 : 1)),
        overwrite: ctx.input.overwrite ?? false,
        replaceable: [ANSWERS_FILE],
      });
      ctx.output('targetPath', targetPath);
      ctx.output('files', written);
      ctx.output('entityRef', `component:default/${spec.name}`);
      ctx.output(
        'initialCommitMessage',
        initialCommitMessage({
          taskId: ctx.task.id,
          pristineRenderVersion: packageVersion(),
        }),
      );
    },
  });
}
