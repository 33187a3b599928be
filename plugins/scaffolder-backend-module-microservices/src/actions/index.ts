export { createServiceRenderAction, SERVICE_RENDER_ID } from './serviceRender';
export { createPublishLocalAction, PUBLISH_LOCAL_ID } from './publishLocal';
export { createCatalogRegisterAction, CATALOG_REGISTER_ID } from './catalogRegister';
