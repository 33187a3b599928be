/**
 * The NuGet package ids a `packages.lock.json` pins, for every target framework; the solution's own projects
 * (`"type": "Project"`) are not dependencies.
 */
export function lockPackageIds(lockJson: string): string[] {
  const lock = JSON.parse(lockJson) as {
    dependencies?: Record<string, Record<string, { type?: string }>>;
  };
  const ids = new Set<string>();
  for (const packages of Object.values(lock.dependencies ?? {}))
    for (const [id, entry] of Object.entries(packages))
      if (entry.type !== 'Project') ids.add(id);
  return [...ids];
}
