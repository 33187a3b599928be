import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  parseEntityRef,
  stringifyEntityRef,
  type CompoundEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';
import express from 'express';
import {
  firstDeniedStep,
  knownCondition,
  knownInput,
  type PlannedStep,
} from './actionDecision';

/** The steps a template's task will run, with their input as far as the submitted values tell. */
function plannedSteps(
  template: Entity,
  values: Record<string, unknown>,
): PlannedStep[] {
  const steps = (template.spec?.steps ?? []) as Array<Record<string, any>>;
  return steps.map(step => ({
    id: String(step.id ?? ''),
    name: typeof step.name === 'string' ? step.name : undefined,
    action: String(step.action ?? ''),
    input: knownInput(step.input ?? {}, values) as Record<string, unknown>,
    unconditional: knownCondition(step.if, values) === true,
  }));
}

/**
 * Refuses, with 403 and a reason, a task the permission policy would refuse anyway, before the scaffolder creates
 * it:
 * - a template the caller may not read. The scaffolder reads a task's template with the caller's credentials, so
 *   it refuses a template the policy hides (`catalog.entity.read`, see policy.ts) already, but as 404 "not found",
 *   which tells a person nothing;
 * - a step the policy certainly refuses to execute (`scaffolder.action.execute`): the scaffolder asks only as it
 *   runs the step, after the task exists and earlier steps ran. Steps that certainly run for the submitted values
 *   are checked with their input as far as those values tell (actionDecision.ts); what depends on more is left to
 *   the scaffolder's own check at run time.
 * It decides nothing itself: the policy's decisions are the only input. Service callers (whose access the
 * framework decides from their token's restrictions) and tasks the policy allows pass through untouched. Mounted
 * only when permissions are on.
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
        permissions: coreServices.permissions,
        catalog: catalogServiceRef,
      },
      async init({ config, httpRouter, httpAuth, auth, permissions, catalog }) {
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
              const user = credentials.principal.userEntityRef;
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
              const template = await catalog.getEntityByRef(ref, {
                credentials,
              });
              if (!template) {
                const exists = await catalog.getEntityByRef(ref, {
                  credentials: await auth.getOwnServiceCredentials(),
                });
                if (!exists) return next();
                return next(
                  new NotAllowedError(
                    `You may not run ${stringifyEntityRef(
                      ref,
                    )}: the permission policy does not let ${user} read it (catalog.entity.read)`,
                  ),
                );
              }

              const [decision] = await permissions.authorizeConditional(
                [{ permission: actionExecutePermission }],
                { credentials },
              );
              const values =
                req.body?.values && typeof req.body.values === 'object'
                  ? (req.body.values as Record<string, unknown>)
                  : {};
              const denied = firstDeniedStep(
                decision,
                plannedSteps(template, values),
              );
              if (!denied) return next();
              return next(
                new NotAllowedError(
                  `You may not run ${stringifyEntityRef(ref)}: its step '${
                    denied.name ?? denied.id
                  }' executes ${
                    denied.action
                  }, which the permission policy does not let ${user} execute (scaffolder.action.execute). No task was created.`,
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
