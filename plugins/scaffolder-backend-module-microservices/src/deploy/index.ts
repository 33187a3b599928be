export {
  deploySpec,
  deployValues,
  CI_PROVIDERS,
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
  planDeployFiles,
  deploySkeletons,
  KUBERNETES_DIR,
  OVERLAYS,
} from './planDeploy';
export {
  parseImageReference,
  formatImageReference,
  defaultImageRepository,
  parseRepoUrl,
} from './imageReference';
export type { ImageReference } from './imageReference';
export { dockerfileString, dockerfileLabelText } from './dockerfileQuoting';
export { DEPLOY_TOOLCHAINS, POSTGRES_IMAGE, NONROOT_ID } from './toolchains';
