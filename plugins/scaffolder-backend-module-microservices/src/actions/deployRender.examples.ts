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
      'A Rust service on GitLab CI with its own image, port and a ServiceMonitor, in a sub-directory',
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
            image: 'registry.example.net/commerce/orders:1.0.0',
            port: 9090,
            serviceMonitor: true,
            targetPath: 'service',
          },
        },
      ],
    }),
  },
];
