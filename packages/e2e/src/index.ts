/*
 * The harness that starts the portal's backend (packages/backend, as `yarn start` runs it) and a throw-away
 * PostgreSQL, for these tests and for the plugin's own end-to-end tests, benchmarks and conformance tier.
 */
export {
  api,
  freePort,
  guestToken,
  startBackend,
  taskLog,
  taskOutput,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from './backend';
export { findPostgresBin, ThrowawayPostgres } from './postgres';
