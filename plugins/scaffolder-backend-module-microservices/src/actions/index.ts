export { createServiceRenderAction, SERVICE_RENDER_ID } from './serviceRender';
export { createDeployRenderAction, DEPLOY_RENDER_ID } from './deployRender';
export { createPublishLocalAction, PUBLISH_LOCAL_ID } from './publishLocal';
export {
  createCatalogRegisterAction,
  CATALOG_REGISTER_ID,
} from './catalogRegister';
