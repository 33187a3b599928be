import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { skeletonPath } from '../packageFiles';
import { renderSkeletonFiles, writeRenderedFiles } from '../render';
import {
  DEFAULT_LIFECYCLE,
  DEFAULT_RESOURCE,
  LIFECYCLES,
  prepareService,
} from '../stacks/prepareService';
import { examples } from './serviceRender.examples';
import * as props from './inputProperties';

export const SERVICE_RENDER_ID = 'microservice:service:render';

/**
 * Input of `microservice:service:render`; optional fields get the defaults its schema declares.
 *
 * @public
 */
export type ServiceRenderInput = {
  stack: 'go' | 'rust';
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
};

/**
 * Renders a service skeleton (code, tests, migrations, OpenAPI, docs, catalog-info.yaml) into the workspace.
 * `integrations` resolve `repoUrl` (build them with `ScmIntegrations.fromConfig(config)`).
 *
 * @public
 */
export function createServiceRenderAction(options: {
  integrations: ScmIntegrationRegistry;
}): TemplateAction<ServiceRenderInput, ServiceRenderOutput, 'v2'> {
  const { integrations } = options;
  return createTemplateAction({
    id: SERVICE_RENDER_ID,
    description:
      'Renders a production-grade service in the chosen stack (Go or Rust; .NET is planned): code, tests, migrations, OpenAPI spec, README, TechDocs and catalog-info.yaml',
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
            description: 'Rendered files, relative to targetPath',
          }),
        entityRef: z =>
          z.string({ description: "The service's Component entity ref" }),
      },
    },
    async handler(ctx) {
      const targetPath = ctx.input.targetPath ?? '.';
      // Refuse an escaping target before any work is done.
      resolveSafeChildPath(ctx.workspacePath, targetPath);
      const { spec, stack, values } = await prepareService(ctx.input, {
        templateRef: ctx.templateInfo?.entityRef,
        integrations,
      });
      ctx.logger.info(
        `Rendering ${stack.title} service '${spec.name}' (${
          spec.resource.plural
        }${spec.auth ? ', auth' : ''}) into '${targetPath}'`,
      );
      const files = await renderSkeletonFiles(skeletonPath(stack.skeleton), {
        ...values,
      });
      const written = await writeRenderedFiles({
        rootDir: ctx.workspacePath,
        targetPath,
        files,
        overwrite: ctx.input.overwrite ?? false,
      });
      ctx.output('targetPath', targetPath);
      ctx.output('files', written);
      ctx.output('entityRef', `component:default/${spec.name}`);
    },
  });
}
