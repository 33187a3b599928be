import { useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { taskCreatePermission } from '@backstage/plugin-scaffolder-common/alpha';
import { UPDATE_TEMPLATE_REF } from '@cross-stack/plugin-microservices-common';
import useAsync from 'react-use/esm/useAsync';

/** Whether the signed-in person may run the update template, or why not. */
export type UpdateAccess =
  | { state: 'loading' }
  | { state: 'allowed' }
  | { state: 'denied'; reason: string };

/**
 * The person may create tasks (scaffolder.task.create) and read the update template (the catalog returns it to
 * them), as the scaffolder will check when they start one.
 */
export function useUpdateAccess(): UpdateAccess {
  const catalogApi = useApi(catalogApiRef);
  const create = usePermission({ permission: taskCreatePermission });
  const template = useAsync(
    () => catalogApi.getEntityByRef(UPDATE_TEMPLATE_REF),
    [catalogApi],
  );
  if (create.loading || template.loading) return { state: 'loading' };
  if (!create.allowed)
    return { state: 'denied', reason: 'you may not run templates' };
  if (template.error || !template.value)
    return {
      state: 'denied',
      reason: `you cannot see the update template (${UPDATE_TEMPLATE_REF})`,
    };
  return { state: 'allowed' };
}
