import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Deploy files for a Go service on GitHub: image on ghcr.io, GitHub Actions (the defaults)',
    example: stringify({
      steps: [
        {
          id: 'deploy',
          action: 'microservice:deploy:render',
          name: 'Render the deploy files',
          input: {
            stack: 'go',
            name: 'billing-api',
            owner: 'group:default/team-a',
            description: 'Bills customers',
            repoUrl: 'github.com?owner=acme&repo=billing-api',
          },
        },
      ],
    }),
  },
  {
    description:
      'A Rust service on GitLab CI with its own image and digest, port and a ServiceMonitor, in a sub-directory',
    example: stringify({
      steps: [
        {
          id: 'deploy',
          action: 'microservice:deploy:render',
          name: 'Render the deploy files',
          input: {
            stack: 'rust',
            name: 'orders',
            owner: 'group:default/team-b',
            ci: 'gitlab',
            // An image that already exists: both overlays start at its digest.
            image: `registry.example.net/commerce/orders@sha256:${'4'.repeat(
              64,
            )}`,
            port: 9090,
            serviceMonitor: true,
            targetPath: 'service',
          },
        },
      ],
    }),
  },
  {
    description:
      'A .NET service on GitHub with JWT settings from a Secret: native AOT on the chiseled runtime-deps image, GitHub Actions',
    example: stringify({
      steps: [
        {
          id: 'deploy',
          action: 'microservice:deploy:render',
          name: 'Render the deploy files',
          input: {
            stack: 'dotnet',
            name: 'invoices',
            owner: 'group:default/team-a',
            description: 'Issues invoices',
            repoUrl: 'github.com?owner=acme&repo=invoices',
            auth: true,
          },
        },
      ],
    }),
  },
  {
    description:
      'Argo CD Applications for dev and prod, with database and collector egress narrowed to their namespaces',
    example: stringify({
      steps: [
        {
          id: 'deploy',
          action: 'microservice:deploy:render',
          name: 'Render the deploy files',
          input: {
            stack: 'go',
            name: 'billing-api',
            owner: 'group:default/team-a',
            repoUrl: 'gitlab.com?owner=acme&repo=billing-api',
            ci: 'gitlab',
            argocd: true,
            databaseEgress: 'namespace:databases',
            otlpEgress: 'namespace:observability',
          },
        },
      ],
    }),
  },
];
