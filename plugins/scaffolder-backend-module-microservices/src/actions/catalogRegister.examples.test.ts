import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createCatalogRegisterAction } from './catalogRegister';
import { examples } from './catalogRegister.examples';
import { runExample } from '../../testUtils/runExample';

describe('microservice:catalog:register examples', () => {
  const dir = createMockDirectory({
    content: { repos: { 'billing-api': { 'catalog-info.yaml': 'x' } } },
  });
  const catalog = catalogServiceMock.mock({
    addLocation: jest.fn(async (req: any) => ({
      location: { id: '1', type: req.type, target: req.target },
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'billing-api' },
          spec: {},
        },
      ],
      exists: false,
    })) as any,
  });
  const action = createCatalogRegisterAction({
    catalog,
    config: new ConfigReader({
      microservices: {
        localPublishing: { enabled: true, directory: dir.resolve('repos') },
      },
    }),
  });
  const context = {
    steps: {
      publish: {
        output: {
          repoContentsUrl: `file://${dir.resolve('repos/billing-api')}/`,
        },
      },
    },
  };

  it.each(examples.map(e => [e.description, e]))('%s', async (_, example) => {
    const ctx = await runExample(action, example, { context });
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/billing-api',
    );
    expect(catalog.addLocation).toHaveBeenLastCalledWith(
      expect.objectContaining({ type: 'url' }),
      expect.anything(),
    );
  });
});
