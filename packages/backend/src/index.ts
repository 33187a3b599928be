/*
 * The portal's backend, which `./scripts/start.sh` (`yarn start`) and production both run: the built frontend app
 * (packages/app), the catalog, the scaffolder with its GitHub and GitLab actions, and the microservice module.
 * With the root app-config.yaml it is the embedded default (SQLite in memory, local publishing, guest sign-in);
 * app-config.production.yaml on top runs it on PostgreSQL with SCM publishing and authentication.
 */
import { createBackend } from '@backstage/backend-defaults';
import { localRepositoryReaderFactory } from '@cross-stack/plugin-scaffolder-backend-module-microservices';
import { guestSignInLoader } from './auth/guest';
import { oidcSignInModule } from './auth/module';
import { microservicesPermissionPolicyModule } from './permissions/module';
import { templateRunGuardModule } from './permissions/templateRunGuard';

const backend = createBackend();
// Serves packages/app's build (and its config) on the backend's own origin.
backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
backend.add(
  import('@cross-stack/plugin-scaffolder-backend-module-microservices'),
);
// The portal's routes for generated services (/api/microservices): releases and changelog for the entity card and
// the fleet page, and the Create form's preview.
backend.add(import('@cross-stack/plugin-microservices-backend'));
// Sign-in: the auth backend with OpenID Connect (this portal's module: Backstage's authenticator, a resolver that
// finds the catalog User by e-mail) and GitHub; each provider works only where app-config configures it. The guest
// provider is installed only where configured, the embedded default, and signs in only under NODE_ENV development.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(oidcSignInModule);
backend.add(guestSignInLoader);
backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));
// Permissions: off unless `permission.enabled` (the embedded default leaves it off); production turns it on, and
// this project's policy decides (src/permissions, docs/production.md).
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(microservicesPermissionPolicyModule);
backend.add(templateRunGuardModule);
// Lets the catalog read locally published repositories through file:// URLs (and nothing else on the host), only
// while local publishing is enabled.
backend.add(localRepositoryReaderFactory);
// A plugin or module that fails to start (a required setting missing, say) leaves Backstage serving 503 from its
// readiness probe indefinitely; exit instead, with the reasons, so the failure is seen and the process restarted.
backend.start().catch(error => {
  process.stderr.write(`backend failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
