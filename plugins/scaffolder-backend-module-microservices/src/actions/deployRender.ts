import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { writeRenderedFiles } from '../render';
import {
  CI_PROVIDERS,
  DEFAULT_CI,
  DEFAULT_LICENSE,
  DEFAULT_PORT,
  deploySpec,
  KUBERNETES_DIR,
  OVERLAYS,
  renderDeployFiles,
} from '../deploy';
import { examples } from './deployRender.examples';
import * as props from './inputProperties';

export const DEPLOY_RENDER_ID = 'microservice:deploy:render';

/**
 * Input of `microservice:deploy:render`; optional fields get the defaults its schema declares.
 *
 * @public
 */
export type DeployRenderInput = {
  stack: 'go' | 'rust';
  name: string;
  owner: string;
  description?: string;
  repoUrl?: string;
  image?: string;
  port?: number;
  ci?: 'github' | 'gitlab' | 'none';
  serviceMonitor?: boolean;
  auth?: boolean;
  license?: string;
  targetPath?: string;
  overwrite?: boolean;
};

/**
 * Output of `microservice:deploy:render`.
 *
 * @public
 */
export type DeployRenderOutput = {
  targetPath: string;
  files: string[];
  image: string;
  overlays: string[];
};

/**
 * Renders a service's Dockerfile, Kubernetes manifests (kustomize base + overlays) and CI pipeline.
 * `integrations` resolve `repoUrl` (build them with `ScmIntegrations.fromConfig(config)`).
 *
 * @public
 */
export function createDeployRenderAction(options: {
  integrations: ScmIntegrationRegistry;
}): TemplateAction<DeployRenderInput, DeployRenderOutput, 'v2'> {
  const { integrations } = options;
  return createTemplateAction({
    id: DEPLOY_RENDER_ID,
    description:
      'Renders the deploy files of a service: a hardened multi-stage Dockerfile, Kubernetes manifests (kustomize base with dev and prod overlays) and a CI pipeline for GitHub Actions or GitLab CI',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        stack: props.stack,
        name: props.name,
        owner: props.owner,
        description: props.description,
        repoUrl: props.repoUrl,
        image: z =>
          z
            .string({
              description:
                "Image repository, optionally with a tag or digest ('ghcr.io/acme/billing-api', '…:1.2.0'). Default: ghcr.io/<owner>/<repo> for github.com, registry.gitlab.com/<owner>/<repo> for gitlab.com, else registry.example.com/<name> (a placeholder: self-hosted hosts have no known registry); untagged images get the tag 'main', which CI pushes from the default branch",
            })
            .optional(),
        port: z =>
          props.withDefault(
            z
              .number({
                description:
                  'Container port the service listens on (PORT), 1024-65535',
              })
              .int()
              .min(1024)
              .max(65535),
            DEFAULT_PORT,
          ),
        ci: z =>
          props.withDefault(
            z.enum(CI_PROVIDERS, { description: 'CI pipeline to write' }),
            DEFAULT_CI,
          ),
        serviceMonitor: z =>
          props.withDefault(
            z.boolean({
              description:
                'Add a Prometheus Operator ServiceMonitor for /metrics',
            }),
            false,
          ),
        auth: z =>
          props.withDefault(
            z.boolean({
              description:
                'The service was generated with JWT auth: pass JWT_SECRET/ISSUER/AUDIENCE from a Secret',
            }),
            false,
          ),
        license: z =>
          props.withDefault(
            z.string({
              description: 'SPDX license expression for the image label',
            }),
            DEFAULT_LICENSE,
          ),
        targetPath: props.targetPath,
        overwrite: props.overwrite,
      },
      output: {
        targetPath: z =>
          z.string({
            description:
              'Where the files were rendered, relative to the workspace',
          }),
        files: z =>
          z.array(z.string(), {
            description: 'Rendered files, relative to targetPath',
          }),
        image: z =>
          z.string({ description: 'The image reference the Deployment runs' }),
        overlays: z =>
          z.array(z.string(), {
            description:
              "Kustomize overlay directories ('kubectl apply -k <dir>'), relative to targetPath",
          }),
      },
    },
    async handler(ctx) {
      const targetPath = ctx.input.targetPath ?? '.';
      // Refuse an escaping target before any work is done.
      resolveSafeChildPath(ctx.workspacePath, targetPath);
      const spec = deploySpec(ctx.input, integrations);
      ctx.logger.info(
        `Rendering deploy files for '${spec.name}' (${spec.stack}, image ${
          spec.image.reference
        }${
          spec.image.derivedFrom === 'placeholder'
            ? ' — a placeholder registry: pass image'
            : ''
        }, CI ${spec.ci}${
          spec.serviceMonitor ? ', ServiceMonitor' : ''
        }) into '${targetPath}'`,
      );
      const files = await renderDeployFiles(spec);
      const written = await writeRenderedFiles({
        rootDir: ctx.workspacePath,
        targetPath,
        files,
        overwrite: ctx.input.overwrite ?? false,
      });
      ctx.output('targetPath', targetPath);
      ctx.output('files', written);
      ctx.output('image', spec.image.reference);
      ctx.output(
        'overlays',
        OVERLAYS.map(o => `${KUBERNETES_DIR}/overlays/${o}`),
      );
    },
  });
}
