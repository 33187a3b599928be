import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Update a repository published by the embedded portal: a new branch with the pristine render and the merge',
    example: stringify({
      steps: [
        {
          id: 'update',
          action: 'microservice:service:update',
          name: 'Update from the template',
          input: { repository: 'billing-api' },
        },
      ],
    }),
  },
  {
    description:
      'Update a GitHub repository: the branch and the pristine render’s tag are pushed, and a pull request is opened from the branch',
    example: stringify({
      steps: [
        {
          id: 'update',
          action: 'microservice:service:update',
          name: 'Update from the template',
          input: {
            repoUrl: 'github.com?owner=acme&repo=billing-api',
            token: '${{ secrets.USER_OAUTH_TOKEN }}',
          },
        },
      ],
    }),
  },
];
