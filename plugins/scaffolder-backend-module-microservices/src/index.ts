/**
 * Scaffolder actions that render production-grade Go, .NET and Rust microservices and register them.
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
