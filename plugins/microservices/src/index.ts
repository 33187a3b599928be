/**
 * The platform team's view of generated microservices in the portal.
 *
 * @packageDocumentation
 */
export { microservicesPlugin as default } from './plugin';
export { microservicesPlugin } from './plugin';
