import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Register a catalog-info.yaml from a repository host',
    example: stringify({
      steps: [
        {
          id: 'register',
          action: 'microservice:catalog:register',
          name: 'Register',
          input: {
            catalogInfoUrl:
              'https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
          },
        },
      ],
    }),
  },
  {
    description:
      'Register the catalog-info.yaml of a locally published repository, without failing the task',
    example: stringify({
      steps: [
        {
          id: 'register',
          action: 'microservice:catalog:register',
          name: 'Register',
          input: {
            catalogInfoUrl:
              '${{ steps.publish.output.repoContentsUrl }}catalog-info.yaml',
            optional: true,
          },
        },
      ],
    }),
  },
];
