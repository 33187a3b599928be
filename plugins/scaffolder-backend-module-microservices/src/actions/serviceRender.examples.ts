import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'A Go service with the defaults (users resource, no auth)',
    example: stringify({
      steps: [
        {
          id: 'service',
          action: 'microservice:service:render',
          name: 'Render the service',
          input: {
            stack: 'go',
            name: 'billing-api',
            owner: 'group:default/team-a',
          },
        },
      ],
    }),
  },
  {
    description:
      'A Rust service with JWT auth, an orders resource, in a sub-directory',
    example: stringify({
      steps: [
        {
          id: 'service',
          action: 'microservice:service:render',
          name: 'Render the service',
          input: {
            stack: 'rust',
            name: 'orders',
            owner: 'group:default/team-b',
            description: 'Takes orders: fast, and "safely"',
            system: 'system:default/commerce',
            resource: 'order',
            features: { auth: true },
            targetPath: 'service',
          },
        },
      ],
    }),
  },
];
