/**
 * Scaffolder actions that render production-grade Go and Rust microservices (.NET is planned) and register them.
 *
 * @packageDocumentation
 */
export { scaffolderModuleMicroservices as default } from './module';
export {
  createCatalogRegisterAction,
  createDeployRenderAction,
  createPublishLocalAction,
  createServiceRenderAction,
} from './actions';
export type {
  CatalogRegisterInput,
  CatalogRegisterOutput,
  DeployRenderInput,
  DeployRenderOutput,
  PublishLocalInput,
  PublishLocalOutput,
  ServiceRenderInput,
  ServiceRenderOutput,
} from './actions';
