import type { Entity } from '@backstage/catalog-model';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { assertPreviewable } from './preview';

const REF = 'template:default/microservice';
const template = (steps: Array<{ id: string; action: string }>): Entity => ({
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'microservice' },
  spec: { steps },
});

describe('assertPreviewable', () => {
  it("accepts the repository's Create template as it is", () => {
    const real = parse(
      fs.readFileSync(
        path.join(__dirname, '../../../templates/microservice/template.yaml'),
        'utf8',
      ),
    );
    expect(() => assertPreviewable(real, REF, [REF])).not.toThrow();
  });

  it('refuses a template the configuration does not name', () => {
    expect(() =>
      assertPreviewable(
        template([{ id: 's', action: 'microservice:service:render' }]),
        'template:default/copy',
        [REF],
      ),
    ).toThrow(
      'templateRef: template:default/copy is not one of the templates this portal previews (microservices.preview.templates: template:default/microservice)',
    );
  });

  it('refuses a template without the render step, or with any step outside the dry-run-safe actions', () => {
    expect(() =>
      assertPreviewable(
        template([{ id: 'p', action: 'publish:github' }]),
        REF,
        [REF],
      ),
    ).toThrow(/does not render a microservice/);
    expect(() =>
      assertPreviewable(
        template([
          { id: 's', action: 'microservice:service:render' },
          { id: 'f', action: 'fetch:plain' },
          { id: 'r', action: 'fs:read' },
        ]),
        REF,
        [REF],
      ),
    ).toThrow(
      'templateRef: template:default/microservice has steps this portal does not run for a preview (f: fetch:plain, r: fs:read)',
    );
  });
});
