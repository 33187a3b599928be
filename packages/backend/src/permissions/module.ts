import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { MicroservicesPermissionPolicy } from './policy';

/** Installs {@link MicroservicesPermissionPolicy} as the permission backend's policy. */
export const microservicesPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'microservices-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, userInfo }) {
        const key = 'microservices.permissions.platformGroup';
        const configured = config.getOptionalString(key);
        if (!configured && config.getOptionalBoolean('permission.enabled'))
          throw new Error(
            `${key}: required when permission.enabled is true; name the group whose members may run every template, e.g. group:default/platform-team`,
          );
        // `platform-team`, `group:platform-team` and `group:default/platform-team` name the same group.
        const platformGroup = configured
          ? stringifyEntityRef(
              parseEntityRef(configured, {
                defaultKind: 'group',
                defaultNamespace: 'default',
              }),
            )
          : undefined;
        policy.setPolicy(
          new MicroservicesPermissionPolicy({
            platformGroup,
            userInfo: credentials => userInfo.getUserInfo(credentials),
          }),
        );
      },
    });
  },
});
