import type { Config } from '@backstage/config';
import type { UserEntity } from '@backstage/catalog-model';

/**
 * Who the commits an action makes are by, as Backstage's publish actions decide it: `scaffolder.defaultAuthor`
 * when the backend configures one (a platform bot identity), else the user who runs the task (their catalog
 * profile), else `Scaffolder <scaffolder@backstage.local>`.
 */
export function commitAuthor(
  config: Config | undefined,
  user: { entity?: UserEntity; ref?: string } | undefined,
): { name: string; email: string } {
  const configured = config?.getOptionalConfig('scaffolder.defaultAuthor');
  const profile = user?.entity?.spec?.profile;
  // An empty or blank value counts as unset: git refuses a commit without an author name.
  const first = (...values: Array<string | undefined>) =>
    values.find(value => value !== undefined && value.trim() !== '');
  return {
    name:
      first(
        configured?.getOptionalString('name'),
        profile?.displayName,
        user?.ref,
      ) ?? 'Scaffolder',
    email:
      first(configured?.getOptionalString('email'), profile?.email) ??
      'scaffolder@backstage.local',
  };
}
