import { InputError } from '@backstage/errors';
import {
  OFFERED_STACKS,
  PLANNED_STACKS,
  type OfferedStack,
} from '@cross-stack/plugin-microservices-common';
import { dotnetStack } from './dotnet';
import { goStack } from './go';
import { rustStack } from './rust';
import type { StackDefinition } from './types';

// The `stack` enum and the planned stacks live in the common package, shared with the Create-component form.
export { OFFERED_STACKS };
export type { OfferedStack };

/** The stacks this package generates and proves in its conformance tier, in `OFFERED_STACKS` order. */
export const stacks: ReadonlyArray<StackDefinition> = [
  goStack,
  dotnetStack,
  rustStack,
];

export function findStack(id: unknown): StackDefinition {
  const stack = stacks.find(s => s.id === id);
  if (stack) return stack;
  const offered = stacks.map(s => s.id).join(', ');
  if (typeof id === 'string' && PLANNED_STACKS.includes(id)) {
    throw new InputError(
      `stack: '${id}' is not available yet; choose one of ${offered}`,
    );
  }
  throw new InputError(
    `stack: '${String(id)}' is unknown; choose one of ${offered}`,
  );
}

/**
 * The skeleton folders a service of this stack renders from, as layers under the skeleton root: the files
 * every stack shares (`shared/service`: the OpenAPI document, mkdocs.yml …) and the stack's own folder. Parts
 * that stacks wrap differently live in `shared/include/` and are included by name.
 */
export const SHARED_SERVICE_LAYER = 'shared/service';
export function serviceSkeletonFolders(stack: StackDefinition): string[] {
  return [SHARED_SERVICE_LAYER, stack.skeleton];
}

export {
  pluralizeResource,
  resourceNames,
  titleFromName,
  validateServiceName,
  DNS_LABEL_PATTERN,
} from './names';
export type { ServiceSpec, StackDefinition } from './types';
