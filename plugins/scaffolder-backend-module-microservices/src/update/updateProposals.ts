import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  ScmIntegrations,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  localPublishingEnabled,
  localPublishingOff,
  localReposDirectory,
} from '../actions/publishLocal';
import { DNS_LABEL_PATTERN } from '../stacks/names';
import { git } from './git';
import { remoteUpdateProposals, type UpdateProposal } from './remoteUpdate';
import { UPDATE_BRANCH_PREFIX } from './updateRepository';

/**
 * Where a service's repository is, as the update template's values name it.
 *
 * @public
 */
export type UpdateProposalTarget =
  | { location: 'local'; repository: string }
  | { location: 'github' | 'gitlab'; repoUrl: string };

/** The local repository's update branches, newest first: merged once the default branch contains them. */
async function localProposals(
  repository: string,
  config: Config,
): Promise<UpdateProposal[]> {
  if (!localPublishingEnabled(config)) throw localPublishingOff('repository');
  if (!new RegExp(DNS_LABEL_PATTERN).test(repository))
    throw new InputError(`repository: '${repository}' is not a DNS-1123 label`);
  const repoPath = resolveSafeChildPath(
    localReposDirectory(config),
    repository,
  );
  if (!fs.existsSync(repoPath))
    throw new InputError(`repository: '${repository}' is not published here`);
  const { stdout } = await git(
    [
      'for-each-ref',
      '--sort=-creatordate',
      '--format=%(refname:short)',
      `refs/heads/${UPDATE_BRANCH_PREFIX}`,
    ],
    { cwd: repoPath },
  );
  const url = pathToFileURL(repoPath).href;
  const branches = stdout.split('\n').filter(Boolean);
  // The default branch is what HEAD names, unless someone checked an update branch out (to resolve a conflict):
  // then the branch the repository was published on, main.
  const head = (
    await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], {
      cwd: repoPath,
      okExitCodes: [1],
    })
  ).stdout.trim();
  const base = head && !head.startsWith(UPDATE_BRANCH_PREFIX) ? head : 'main';
  return Promise.all(
    branches.map(async branch => {
      // Exit 0: the default branch contains the branch; 1: it does not.
      const { exitCode } = await git(
        ['merge-base', '--is-ancestor', branch, `refs/heads/${base}`],
        { cwd: repoPath, okExitCodes: [1] },
      );
      return {
        branch,
        state: exitCode === 0 ? ('merged' as const) : ('open' as const),
        url,
      };
    }),
  );
}

/**
 * The update proposals of a service's repository, newest first: on GitHub and GitLab the pull/merge requests from
 * `microservice-update/` branches (with the integration's credentials), for a locally published repository its
 * update branches and whether the default branch has merged them. Bad targets are InputErrors naming the field.
 *
 * @public
 */
export async function listUpdateProposals(options: {
  target: UpdateProposalTarget;
  config: Config;
  integrations?: ScmIntegrationRegistry;
}): Promise<UpdateProposal[]> {
  const { target, config } = options;
  if (target.location === 'local')
    return localProposals(target.repository, config);
  return remoteUpdateProposals({
    repoUrl: target.repoUrl,
    integrations: options.integrations ?? ScmIntegrations.fromConfig(config),
  });
}
