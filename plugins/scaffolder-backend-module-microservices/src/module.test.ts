import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject } from '@backstage/types';
import fs from 'node:fs';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleMicroservices } from './module';

describe('scaffolderModuleMicroservices', () => {
  const actionsWith = async (data: JsonObject) => {
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
        mockServices.rootConfig.factory({ data }),
      ],
    });
    return added;
  };

  it('registers exactly the microservice actions; publish:local only where local publishing is on', async () => {
    const added = await actionsWith({
      microservices: { localPublishing: { enabled: true } },
    });
    expect(added.map(a => a.id).sort()).toEqual([
      'microservice:catalog:register',
      'microservice:deploy:render',
      'microservice:publish:local',
      'microservice:service:render',
      'microservice:service:update',
    ]);
    for (const action of added) {
      expect(action.schema?.output).toBeDefined();
      expect(action.examples?.length).toBeGreaterThan(0);
    }
    // Off unless set, and off when set to false: nothing that writes on the backend host is registered.
    for (const data of [
      {},
      { microservices: { localPublishing: { enabled: false } } },
    ]) {
      expect((await actionsWith(data)).map(a => a.id).sort()).toEqual([
        'microservice:catalog:register',
        'microservice:deploy:render',
        'microservice:service:render',
        'microservice:service:update',
      ]);
    }
  });

  it("resolves repository locations through the backend's integrations config, self-hosted hosts included", async () => {
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
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              gitlab: [
                {
                  host: 'git.acme.internal',
                  apiBaseUrl: 'https://git.acme.internal/api/v4',
                },
              ],
            },
          },
        }),
      ],
    });
    const render = added.find(a => a.id === 'microservice:service:render')!;
    const workspace = createMockDirectory();
    const input = {
      stack: 'go',
      name: 'orders',
      owner: 'group:default/team-a',
    };
    await render.handler(
      createMockActionContext({
        input: {
          ...input,
          repoUrl: 'git.acme.internal?owner=platform&repo=orders',
        },
        workspacePath: workspace.path,
      }),
    );
    expect(
      fs.readFileSync(workspace.resolve('go.mod'), 'utf8').split('\n')[0],
    ).toBe('module git.acme.internal/platform/orders');
    await expect(
      render.handler(
        createMockActionContext({
          input: { ...input, repoUrl: 'git.other.internal?owner=p&repo=o' },
          workspacePath: workspace.resolve('other'),
        }),
      ),
    ).rejects.toThrow(
      /^repoUrl: no SCM integration is configured for host 'git\.other\.internal'; configured hosts: .*git\.acme\.internal/,
    );
  });
});
