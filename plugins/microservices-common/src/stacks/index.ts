import { serviceNameProblem } from '../serviceName';
import { dotnetDescription } from './dotnet';
import { goDescription } from './go';
import { rustDescription } from './rust';
import type { StackDescription } from './types';

/**
 * The ids of the stacks the actions generate and the conformance tier proves: the `stack` enum.
 *
 * @public
 */
export const OFFERED_STACKS = ['go', 'dotnet', 'rust'] as const;
/**
 * One of {@link OFFERED_STACKS}.
 *
 * @public
 */
export type OfferedStack = (typeof OFFERED_STACKS)[number];

/**
 * Stacks in the product's plan that have no proven skeleton yet.
 *
 * @public
 */
export const PLANNED_STACKS: ReadonlyArray<string> = [];

/**
 * One description per offered stack, in `OFFERED_STACKS` order.
 *
 * @public
 */
export const stackDescriptions: ReadonlyArray<StackDescription> = [
  goDescription,
  dotnetDescription,
  rustDescription,
];

/**
 * The description of an offered stack; undefined for any other id.
 *
 * @public
 */
export function findStackDescription(
  id: unknown,
): StackDescription | undefined {
  return stackDescriptions.find(s => s.id === id);
}

export {
  rustCrateName,
  rustCrateNameProblem,
  rustDependencyClash,
  rustDependencyClashProblem,
} from './rust';
export {
  dotnetNames,
  dotnetNameProblem,
  dotnetNamespaceClash,
  dotnetSkeletonNames,
  isDotnetKeyword,
} from './dotnet';
export { DOTNET_SKELETON_NAMES } from './dotnetSkeletonNames';
export type { DotnetNames } from './dotnet';
export { DOTNET_DEPENDENCY_PACKAGES } from './dotnetDependencyPackages';
export { RUST_DEPENDENCY_CRATES } from './rustDependencyCrates';
export type { StackDescription } from './types';

/**
 * Every rule the actions apply to a service name, in the order they apply them: DNS-1123 first, then the
 * chosen stack's own. The message is the one the actions' InputError carries; undefined when the name passes.
 *
 * @public
 */
export function serviceNameProblemForStack(
  name: unknown,
  stackId: unknown,
): string | undefined {
  return (
    serviceNameProblem(name) ??
    findStackDescription(stackId)?.nameProblem(name as string)
  );
}
