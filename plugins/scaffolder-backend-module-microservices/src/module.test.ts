import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleMicroservices } from './module';

describe('scaffolderModuleMicroservices', () => {
  it('registers exactly the microservice actions', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...actions: any[]) => added.push(...actions) },
        ],
      ],
      features: [
        scaffolderModuleMicroservices,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    expect(added.map(a => a.id).sort()).toEqual([
      'microservice:catalog:register',
      'microservice:deploy:render',
      'microservice:publish:local',
      'microservice:service:render',
    ]);
    for (const action of added) {
      expect(action.schema?.output).toBeDefined();
      expect(action.examples?.length).toBeGreaterThan(0);
    }
  });
});
