import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Publish the whole workspace as a local repository',
    example: stringify({
      steps: [
        {
          id: 'publish',
          action: 'microservice:publish:local',
          name: 'Publish locally',
          input: { repoName: 'billing-api' },
        },
      ],
    }),
  },
  {
    description: 'Publish a sub-directory with a custom branch and message',
    example: stringify({
      steps: [
        {
          id: 'publish',
          action: 'microservice:publish:local',
          name: 'Publish locally',
          input: {
            repoName: 'orders',
            sourcePath: 'service',
            defaultBranch: 'trunk',
            commitMessage: 'Scaffold orders',
          },
        },
      ],
    }),
  },
];
