import type { CatalogApi } from '@backstage/plugin-catalog-react';
import {
  serviceEntityRefs,
  serviceNameProblemForStack,
  takenNameProblem,
} from '@cross-stack/plugin-microservices-common';

/**
 * Every problem the actions would find with this service name for this stack, plus whether the catalog already
 * holds the entities the service would register; undefined when the name can be used. The rules and messages
 * come from the common package the actions use.
 */
export async function checkServiceName(
  name: unknown,
  stack: unknown,
  catalogApi: Pick<CatalogApi, 'getEntitiesByRefs'> | undefined,
): Promise<string | undefined> {
  const problem = serviceNameProblemForStack(name, stack);
  if (problem || !catalogApi) return problem;
  const refs = serviceEntityRefs(name as string);
  const { items } = await catalogApi.getEntitiesByRefs({
    entityRefs: refs,
    fields: ['kind', 'metadata.name'],
  });
  const takenAt = items.findIndex(Boolean);
  return takenAt < 0
    ? undefined
    : takenNameProblem(name as string, refs[takenAt]);
}
