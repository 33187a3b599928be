export {
  deploySpec,
  deployValues,
  CI_PROVIDERS,
  DEFAULT_CI,
  DEFAULT_LICENSE,
  DEFAULT_PORT,
  DEFAULT_BRANCH,
} from './prepareDeploy';
export type {
  CiProvider,
  DeployInput,
  DeploySpec,
  DeployValues,
} from './prepareDeploy';
export {
  renderDeployFiles,
  deploySkeletons,
  KUBERNETES_DIR,
  OVERLAYS,
} from './renderDeployFiles';
export {
  parseImageReference,
  formatImageReference,
  defaultImageRepository,
} from './imageReference';
export type { ImageReference } from './imageReference';
export { dockerfileString } from './dockerfileQuoting';
export { DEPLOY_TOOLCHAINS, POSTGRES_IMAGE, NONROOT_ID } from './toolchains';
