export {
  deploySpec,
  deployValues,
  CI_PROVIDERS,
  DEFAULT_CI,
  DEFAULT_SIGNING,
  SIGNING_MODES,
  DEFAULT_LICENSE,
  DEFAULT_PORT,
  DEFAULT_BRANCH,
  DEFAULT_EGRESS,
  UNBUILT_DIGEST,
  KUBERNETES_MIN_VERSION,
  parseEgress,
} from './prepareDeploy';
export type {
  CiProvider,
  DeployInput,
  DeploySpec,
  DeployValues,
  EgressPeer,
} from './prepareDeploy';
export {
  renderDeployFiles,
  deploySkeletons,
  KUBERNETES_DIR,
  OVERLAYS,
  ARGOCD_DIR,
} from './renderDeployFiles';
export {
  parseImageReference,
  formatImageReference,
  defaultImageRepository,
} from './imageReference';
export type { ImageReference } from './imageReference';
export { dockerfileString } from './dockerfileQuoting';
export {
  DEPLOY_TOOLCHAINS,
  POSTGRES_IMAGE,
  NONROOT_ID,
  DOTNET_APP_UID,
  CI_TOOLS,
  TRIVY_IMAGE,
} from './toolchains';
