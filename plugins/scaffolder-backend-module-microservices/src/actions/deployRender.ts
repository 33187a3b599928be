import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { ANSWERS_FILE, answersFileFor } from '../answers';
import { packageVersion } from '../packageFiles';
import { writeRenderedFiles } from '../render';
import { DEFAULT_TEMPLATE_REF } from '../stacks/prepareService';
import {
  CI_PROVIDERS,
  DEFAULT_CI,
  DEFAULT_LICENSE,
  DEFAULT_PORT,
  deploySpec,
  type DeploySpec,
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

/** Every value the render used, defaults applied: what `.microservice/answers.yaml` records for this action. */
export function recordedDeployInput(
  spec: DeploySpec,
  repoUrl: string,
): Required<Omit<DeployRenderInput, 'targetPath' | 'overwrite'>> {
  return {
    stack: spec.stack as DeployRenderInput['stack'],
    name: spec.name,
    owner: spec.owner,
    description: spec.description,
    repoUrl,
    // The image the manifests run, recorded as given or as derived: an update keeps deploying the same image.
    image: spec.image.reference,
    port: spec.port,
    ci: spec.ci,
    serviceMonitor: spec.serviceMonitor,
    auth: spec.auth,
    license: spec.license,
  };
}

/**
 * Renders a service's Dockerfile, Kubernetes manifests (kustomize base + overlays) and CI pipeline, and records
 * the values it used in `.microservice/answers.yaml`. `integrations` resolve `repoUrl` (build them with
 * `ScmIntegrations.fromConfig(config)`); `skeletonRoot` replaces the shipped `skeletons/` folder.
 *
 * @public
 */
export function createDeployRenderAction(options: {
  integrations: ScmIntegrationRegistry;
  skeletonRoot?: string;
}): TemplateAction<DeployRenderInput, DeployRenderOutput, 'v2'> {
  const { integrations, skeletonRoot } = options;
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
            description:
              'Rendered files, relative to targetPath, including the answers file .microservice/answers.yaml',
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
      const files = await renderDeployFiles(spec, { skeletonRoot });
      files.push(
        await answersFileFor({
          targetDir: resolveSafeChildPath(ctx.workspacePath, targetPath),
          action: DEPLOY_RENDER_ID,
          input: recordedDeployInput(spec, ctx.input.repoUrl ?? ''),
          templateRef: ctx.templateInfo?.entityRef ?? DEFAULT_TEMPLATE_REF,
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
      ctx.output('image', spec.image.reference);
      ctx.output(
        'overlays',
        OVERLAYS.map(o => `${KUBERNETES_DIR}/overlays/${o}`),
      );
    },
  });
}
