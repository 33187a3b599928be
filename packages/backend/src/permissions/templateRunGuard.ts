import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  parseEntityRef,
  stringifyEntityRef,
  type CompoundEntityRef,
} from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import express from 'express';

/**
 * Answers a task for a template the caller may not read with 403 and a reason, before the scaffolder sees it.
 *
 * The scaffolder reads a task's template with the caller's credentials, so a template the permission policy hides
 * (`catalog.entity.read`, see policy.ts) is refused already, but as 404 "not found", which tells a person
 * nothing. This answers the same refusal as 403 with the template's name and the permission that refused it,
 * when the template exists. It decides nothing itself: the policy's catalog decision is the only input. Service
 * callers and templates the caller can read pass through untouched. Mounted only when permissions are on.
 */
export const templateRunGuardModule = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'template-run-guard',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      async init({ config, httpRouter, httpAuth, auth, catalog }) {
        if (!config.getOptionalBoolean('permission.enabled')) return;
        const router = express.Router();
        // Parsed with the scaffolder's own limit (its router's express.json), whose parser then skips the body.
        router.post(
          '/v2/tasks',
          express.json({ limit: '10MB' }),
          async (req, _res, next) => {
            try {
              const credentials = await httpAuth.credentials(req);
              if (!auth.isPrincipal(credentials, 'user')) return next();
              let ref: CompoundEntityRef;
              try {
                ref = parseEntityRef(String(req.body?.templateRef ?? ''), {
                  defaultKind: 'template',
                });
              } catch {
                return next(); // the scaffolder answers a malformed reference itself
              }
              // The scaffolder refuses other kinds itself; answering for them would tell what else exists.
              if (ref.kind.toLocaleLowerCase('en-US') !== 'template')
                return next();
              if (await catalog.getEntityByRef(ref, { credentials }))
                return next();
              const exists = await catalog.getEntityByRef(ref, {
                credentials: await auth.getOwnServiceCredentials(),
              });
              if (!exists) return next();
              return next(
                new NotAllowedError(
                  `You may not run ${stringifyEntityRef(
                    ref,
                  )}: the permission policy does not let ${
                    credentials.principal.userEntityRef
                  } read it (catalog.entity.read)`,
                ),
              );
            } catch (error) {
              return next(error);
            }
          },
        );
        httpRouter.use(router);
      },
    });
  },
});
