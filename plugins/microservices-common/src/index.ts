/**
 * The rules for a microservice's name and the stacks' descriptions, shared by the scaffolder actions (which
 * throw them as InputErrors) and the Create-component form (which shows them while the user types). Pure
 * TypeScript: no Node or browser imports.
 *
 * @packageDocumentation
 */
export * from './serviceName';
export * from './stacks';
export * from './origin';
export * from './preview';
export * from './updateTarget';
