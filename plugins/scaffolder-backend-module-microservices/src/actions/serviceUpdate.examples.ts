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
      'Propose the update of a GitHub repository as a pull request, with the scaffolder’s built-in action',
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
        {
          id: 'pull-request',
          action: 'publish:github:pull-request',
          name: 'Open the pull request',
          if: '${{ steps.update.output.changed }}',
          input: {
            repoUrl: 'github.com?owner=acme&repo=billing-api',
            branchName: '${{ steps.update.output.branchName }}',
            title: '${{ steps.update.output.title }}',
            description: '${{ steps.update.output.description }}',
            commitMessage: '${{ steps.update.output.commitMessage }}',
            sourcePath: '${{ steps.update.output.sourcePath }}',
            filesToDelete: '${{ steps.update.output.filesToDelete }}',
            token: '${{ secrets.USER_OAUTH_TOKEN }}',
          },
        },
      ],
    }),
  },
];
