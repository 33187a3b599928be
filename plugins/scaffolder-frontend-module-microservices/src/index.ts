/**
 * Scaffolder form fields for the microservice template.
 *
 * @packageDocumentation
 */
export { scaffolderMicroservicesModule as default } from './module';
export { scaffolderMicroservicesModule } from './module';
