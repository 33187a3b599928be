import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  parseRepositoryLocation,
  type RepositoryLocation,
} from '../scm/repositoryLocation';

/** The SCM types an update can push to and open a pull/merge request on. */
export const UPDATABLE_SCM_TYPES = ['github', 'gitlab'];

/**
 * A repository location for an update: a RepoUrlPicker value resolved through the backend's integrations, on
 * GitHub or GitLab (the two the update template can open a pull/merge request on).
 */
export function scmLocation(
  repoUrl: string,
  integrations: ScmIntegrationRegistry,
): RepositoryLocation {
  const location = parseRepositoryLocation(repoUrl, integrations);
  if (!location) throw new InputError('repoUrl: required');
  if (!UPDATABLE_SCM_TYPES.includes(location.type)) {
    throw new InputError(
      `repoUrl: '${repoUrl}' is on a ${location.type} host; updates open pull/merge requests on GitHub or GitLab only`,
    );
  }
  return location;
}
