import { parseEntityRef } from '@backstage/catalog-model';

/**
 * The owner a new service starts with: the first group among the signed-in person's ownership claims (the
 * groups their catalog User is a member of, in the order the sign-in resolver gave them) that is one of the
 * groups offered. None when they belong to no offered group (the development guest, for one); they choose.
 */
export function defaultOwner(
  ownershipEntityRefs: readonly string[],
  offered: readonly string[],
): string | undefined {
  const available = new Set(offered);
  return ownershipEntityRefs.find(ref => {
    try {
      return (
        parseEntityRef(ref).kind.toLocaleLowerCase('en-US') === 'group' &&
        available.has(ref)
      );
    } catch {
      return false;
    }
  });
}
