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
  createServiceUpdateAction,
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
  ServiceUpdateInput,
  ServiceUpdateOutput,
} from './actions';
export { localRepositoryReaderFactory } from './localRepositoryReader';
export { listUpdateProposals } from './update/updateProposals';
export type { UpdateProposalTarget } from './update/updateProposals';
export type { UpdateProposal } from './update/remoteUpdate';
