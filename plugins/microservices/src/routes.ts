import { createExternalRouteRef } from '@backstage/frontend-plugin-api';

/** A template's form in the scaffolder (the update template, prefilled). */
export const templateFormRouteRef = createExternalRouteRef({
  params: ['namespace', 'templateName'],
  defaultTarget: 'scaffolder.selectedTemplate',
});

/** A scaffolder task's page. */
export const taskRouteRef = createExternalRouteRef({
  params: ['taskId'],
  defaultTarget: 'scaffolder.ongoingTask',
});
