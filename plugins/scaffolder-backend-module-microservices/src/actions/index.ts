export { createServiceRenderAction, SERVICE_RENDER_ID } from './serviceRender';
export type { ServiceRenderInput, ServiceRenderOutput } from './serviceRender';
export { createDeployRenderAction, DEPLOY_RENDER_ID } from './deployRender';
export type { DeployRenderInput, DeployRenderOutput } from './deployRender';
export { createPublishLocalAction, PUBLISH_LOCAL_ID } from './publishLocal';
export type { PublishLocalInput, PublishLocalOutput } from './publishLocal';
export {
  createCatalogRegisterAction,
  CATALOG_REGISTER_ID,
} from './catalogRegister';
export type {
  CatalogRegisterInput,
  CatalogRegisterOutput,
} from './catalogRegister';
export { createServiceUpdateAction, SERVICE_UPDATE_ID } from './serviceUpdate';
export type { ServiceUpdateInput, ServiceUpdateOutput } from './serviceUpdate';
