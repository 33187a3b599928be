import type {
  BackstageCredentials,
  BackstageUserInfo,
} from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  isPermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createScaffolderActionConditionalDecision,
  createScaffolderTaskConditionalDecision,
  createScaffolderTemplateConditionalDecision,
  scaffolderActionConditions,
  scaffolderTaskConditions,
  scaffolderTemplateConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  actionExecutePermission,
  taskCancelPermission,
  taskReadPermission,
  templateDryRunPermission,
  templateManagementPermission,
  templateParameterReadPermission,
  templateStepReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';

/**
 * What marks a template, or a template's steps and parameters, as the platform team's alone: the template's
 * `metadata.tags` for the catalog, the `backstage:permissions.tags` of its steps and parameters for the scaffolder.
 */
export const PLATFORM_TAG = 'platform';

/**
 * Actions that write on the backend host rather than in a task's workspace or on an SCM host. Production does not
 * register them (local publishing is off there); the policy denies them to everyone outside the platform team
 * wherever they are registered.
 */
export const HOST_WRITING_ACTIONS = ['microservice:publish:local'];

/** `microservice:service:update` writes on the host when given a local `repository`, not for a `repoUrl`. */
const LOCAL_UPDATE = {
  action: 'microservice:service:update',
  input: 'repository',
};

export interface MicroservicesPolicyOptions {
  /**
   * The group whose members (as the sign-in resolver's ownership claims say) may do everything; none when
   * permissions are off, where the policy is never asked.
   */
  platformGroup?: string;
  /** Who the user is and which entities they own or belong to, from their credentials. */
  userInfo(credentials: BackstageCredentials): Promise<BackstageUserInfo>;
}

/**
 * The portal's permission policy. Platform-team members may do everything. Everyone else may run the
 * microservice template and read the catalog, templates and tasks as Backstage's defaults allow, but not:
 * - see or run a template tagged `platform` (the update template): the catalog hides it, so a task for it cannot
 *   be created (the scaffolder reads the template with the caller's credentials; templateRunGuard.ts answers 403),
 *   and its parameters and steps, tagged the same way, are withheld should it be reached another way;
 * - execute an action that writes on the backend host (`microservice:publish:local`, or
 *   `microservice:service:update` of a local `repository`);
 * - dry-run a template (the template editor's dry run takes any template in the request and runs its
 *   dry-run-capable actions, `fetch:plain` among them, with the backend's integrations) or manage templates;
 * - read or cancel another person's tasks (their parameters and logs): only their own;
 * - delete catalog entities other than those they or their groups own, or unregister locations.
 * A request with no principal at all is denied. Service principals (externalAccess tokens, other plugins) never
 * reach a policy: the permission framework decides them from their `accessRestrictions`.
 */
export class MicroservicesPermissionPolicy implements PermissionPolicy {
  constructor(private readonly options: MicroservicesPolicyOptions) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) return { result: AuthorizeResult.DENY };
    const info = await this.options.userInfo(user.credentials);
    const { platformGroup } = this.options;
    if (platformGroup && info.ownershipEntityRefs.includes(platformGroup))
      return { result: AuthorizeResult.ALLOW };

    const { permission } = request;
    if (isPermission(permission, catalogEntityReadPermission)) {
      return createCatalogConditionalDecision(permission, {
        not: {
          allOf: [
            catalogConditions.isEntityKind({ kinds: ['Template'] }),
            catalogConditions.hasMetadata({ key: 'tags', value: PLATFORM_TAG }),
          ],
        },
      });
    }
    // Removing what the catalog holds: entities their own groups (or they) own, no locations. Registering
    // stays open: `microservice:catalog:register` adds the new service's location with the person's credentials.
    if (isPermission(permission, catalogEntityDeletePermission)) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: info.ownershipEntityRefs }),
      );
    }
    if (isPermission(permission, catalogLocationDeletePermission))
      return { result: AuthorizeResult.DENY };
    if (
      isPermission(permission, templateParameterReadPermission) ||
      isPermission(permission, templateStepReadPermission)
    ) {
      return createScaffolderTemplateConditionalDecision(permission, {
        not: scaffolderTemplateConditions.hasTag({ tag: PLATFORM_TAG }),
      });
    }
    if (isPermission(permission, actionExecutePermission)) {
      return createScaffolderActionConditionalDecision(permission, {
        not: {
          anyOf: [
            {
              allOf: [
                scaffolderActionConditions.hasActionId({
                  actionId: LOCAL_UPDATE.action,
                }),
                scaffolderActionConditions.hasStringProperty({
                  key: LOCAL_UPDATE.input,
                }),
              ],
            },
            ...HOST_WRITING_ACTIONS.map(actionId =>
              scaffolderActionConditions.hasActionId({ actionId }),
            ),
          ],
        },
      });
    }
    if (
      isPermission(permission, taskReadPermission) ||
      isPermission(permission, taskCancelPermission)
    ) {
      return createScaffolderTaskConditionalDecision(
        permission,
        scaffolderTaskConditions.isTaskOwner({
          createdBy: [info.userEntityRef],
        }),
      );
    }
    if (
      isPermission(permission, templateManagementPermission) ||
      isPermission(permission, templateDryRunPermission)
    )
      return { result: AuthorizeResult.DENY };
    return { result: AuthorizeResult.ALLOW };
  }
}
