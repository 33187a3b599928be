import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { planSkeleton, writeRenderedFiles } from '../render';
import { prepareService, skeletonPath } from '../stacks/prepareService';
import { examples } from './serviceRender.examples';
import * as props from './inputProperties';

export const SERVICE_RENDER_ID = 'microservice:service:render';

/**
 * Renders a service skeleton (code, tests, migrations, OpenAPI, docs, catalog-info.yaml) into the workspace.
 *
 * @public
 */
export function createServiceRenderAction() {
  return createTemplateAction({
    id: SERVICE_RENDER_ID,
    description:
      'Renders a production-grade service in the chosen stack: code, tests, migrations, OpenAPI spec, README, TechDocs and catalog-info.yaml',
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
          z
            .enum(['experimental', 'production', 'deprecated'], {
              description: "Catalog lifecycle; default 'experimental'",
            })
            .optional(),
        resource: z =>
          z
            .string({
              description:
                "Sample API resource, singular, kebab-case; default 'user'",
            })
            .optional(),
        resourcePlural: z =>
          z
            .string({
              description:
                'Plural of the resource when plain English rules get it wrong',
            })
            .optional(),
        features: z =>
          z
            .object({
              auth: z
                .boolean({
                  description: 'JWT bearer auth on /api/v1; default false',
                })
                .optional(),
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
      const { spec, stack, values } = await prepareService(
        ctx.input,
        ctx.templateInfo?.entityRef,
      );
      ctx.logger.info(
        `Rendering ${stack.title} service '${spec.name}' (${
          spec.resource.plural
        }${spec.auth ? ', auth' : ''}) into '${targetPath}'`,
      );
      const files = await planSkeleton(skeletonPath(stack.skeleton), {
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
