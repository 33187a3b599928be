import { ConfigReader } from '@backstage/config';
import {
  ScmIntegrations,
  type ScmIntegrationRegistry,
} from '@backstage/integration';

/** A self-hosted GitLab whose host name does not say 'gitlab', and a GitHub Enterprise host. */
export const SELF_HOSTED_GITLAB = 'git.acme.internal';
export const GITHUB_ENTERPRISE = 'github.acme.internal';

/** Integrations as a backend with a self-hosted GitLab and GitHub Enterprise configures them (public hosts too). */
export function selfHostedIntegrations(): ScmIntegrationRegistry {
  return ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        gitlab: [
          {
            host: SELF_HOSTED_GITLAB,
            apiBaseUrl: `https://${SELF_HOSTED_GITLAB}/api/v4`,
          },
        ],
        github: [
          {
            host: GITHUB_ENTERPRISE,
            apiBaseUrl: `https://${GITHUB_ENTERPRISE}/api/v3`,
          },
        ],
      },
    }),
  );
}
