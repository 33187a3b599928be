import { createMockDirectory } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkDockerfile } from '../../testUtils/dockerfile';
import { buildKustomization } from '../../testUtils/kustomize';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { createDeployRenderAction } from './deployRender';
import { examples } from './deployRender.examples';
import { runExample } from '../../testUtils/runExample';

describe('microservice:deploy:render examples', () => {
  const workspace = createMockDirectory();
  const action = createDeployRenderAction({
    integrations: publicHostIntegrations(),
  });
  beforeEach(() => workspace.clear());

  it.each(examples.map(e => [e.description, e]))('%s', async (_, example) => {
    const ctx = await runExample(action, example, {
      workspacePath: workspace.path,
    });
    const outputs = Object.fromEntries((ctx.output as jest.Mock).mock.calls);
    const root = path.join(workspace.path, outputs.targetPath);
    const input = parseAllDocuments(example.example)[0].toJS().steps[0].input;

    expect(
      checkDockerfile(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'), {
        port: input.port ?? 8080,
      }).problems,
    ).toEqual([]);
    for (const overlay of outputs.overlays) {
      const deployment = buildKustomization(path.join(root, overlay)).find(
        o => o.kind === 'Deployment',
      )!;
      expect(deployment.spec.template.spec.containers[0].image).toBe(
        outputs.image,
      );
    }
    expect(
      fs.existsSync(
        path.join(
          root,
          input.ci === 'gitlab' ? '.gitlab-ci.yml' : '.github/workflows/ci.yml',
        ),
      ),
    ).toBe(true);
    expect(outputs.files).toContain('Dockerfile');
  });
});
