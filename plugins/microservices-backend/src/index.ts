/**
 * The portal's routes for generated microservices: releases and changelog, and the Create form's preview.
 *
 * @packageDocumentation
 */
export { microservicesPlugin as default } from './plugin';
export { microservicesPlugin } from './plugin';
