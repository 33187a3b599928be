import { createMockDirectory } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { createServiceRenderAction } from './serviceRender';
import { examples } from './serviceRender.examples';
import { runExample } from '../../testUtils/runExample';

describe('microservice:service:render examples', () => {
  const workspace = createMockDirectory();
  const action = createServiceRenderAction({
    integrations: publicHostIntegrations(),
  });
  beforeEach(() => workspace.clear());

  it.each(examples.map(e => [e.description, e]))('%s', async (_, example) => {
    const ctx = await runExample(action, example, {
      workspacePath: workspace.path,
    });
    const targetPath = (ctx.output as jest.Mock).mock.calls.find(
      c => c[0] === 'targetPath',
    )[1];
    const catalogInfo = fs.readFileSync(
      path.join(workspace.path, targetPath, 'catalog-info.yaml'),
      'utf8',
    );
    const [component] = parseAllDocuments(catalogInfo).map(d => d.toJS());
    const entityRef = (ctx.output as jest.Mock).mock.calls.find(
      c => c[0] === 'entityRef',
    )[1];
    expect(entityRef).toBe(`component:default/${component.metadata.name}`);
  });
});
