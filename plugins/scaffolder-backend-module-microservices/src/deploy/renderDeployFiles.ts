import { renderSkeletonFiles, type RenderedFile } from '../render';
import { SkeletonRenderError } from '../render';
import { skeletonPath } from '../packageFiles';
import { deployValues, type DeploySpec } from './prepareDeploy';
import { DEPLOY_TOOLCHAINS } from './toolchains';

/** Where the Kubernetes manifests land in the generated repository. */
export const KUBERNETES_DIR = 'deploy/kubernetes';
export const OVERLAYS = ['dev', 'prod'] as const;
/** Where the optional Argo CD Applications land. */
export const ARGOCD_DIR = 'deploy/argocd';

/** The skeleton trees one service's deploy files come from, and where each lands in the repository. */
export function deploySkeletons(
  spec: DeploySpec,
): Array<{ skeleton: string; into: string }> {
  const stackFolder = DEPLOY_TOOLCHAINS[spec.stack].folder;
  return [
    { skeleton: `deploy/image/${stackFolder}`, into: '' },
    { skeleton: 'deploy/kubernetes', into: KUBERNETES_DIR },
    // Empty unless the argocd option is on (the file names are conditional).
    { skeleton: 'deploy/argocd', into: ARGOCD_DIR },
    { skeleton: 'deploy/renovate', into: '' },
    ...(spec.ci === 'none'
      ? []
      : [
          { skeleton: `ci/${spec.ci}/${stackFolder}`, into: '' },
          ...(spec.ci === 'github'
            ? [{ skeleton: 'ci/github/shared', into: '' }]
            : []),
        ]),
  ];
}

/** Renders every deploy file in memory; nothing is written. `skeletonRoot` replaces the shipped `skeletons/`. */
export async function renderDeployFiles(
  spec: DeploySpec,
  options: { skeletonRoot?: string } = {},
): Promise<RenderedFile[]> {
  const values = deployValues(spec);
  const files: RenderedFile[] = [];
  for (const { skeleton, into } of deploySkeletons(spec)) {
    for (const file of await renderSkeletonFiles(
      skeletonPath(skeleton, options.skeletonRoot),
      values,
    )) {
      files.push({ ...file, path: into ? `${into}/${file.path}` : file.path });
    }
  }
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path))
      throw new SkeletonRenderError(
        `two deploy skeletons render to '${file.path}'`,
        file.path,
      );
    seen.add(file.path);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
