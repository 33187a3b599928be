import { parse } from 'yaml';
import fs from 'node:fs';
import { Validator } from 'jsonschema';
import { TEMPLATE_FILE } from './cli/render';
import { stacks } from './stacks';
import { toolchains } from '../conformance/toolchains';
import {
  createCatalogRegisterAction,
  createDeployRenderAction,
  createPublishLocalAction,
  createServiceRenderAction,
} from './actions';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

const template = parse(fs.readFileSync(TEMPLATE_FILE, 'utf8'));
const properties = Object.assign(
  {},
  ...template.spec.parameters.map((page: any) => page.properties),
);

describe('templates/microservice/template.yaml', () => {
  it('is a v1beta3 service template named microservice', () => {
    expect(template).toMatchObject({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name: 'microservice' },
      spec: { type: 'service' },
    });
  });

  it('offers exactly the stacks the module generates and the conformance tier proves', () => {
    const offered = properties.stack.oneOf.map(
      (o: { const: string }) => o.const,
    );
    expect([...offered].sort()).toEqual(stacks.map(s => s.id).sort());
    expect([...offered].sort()).toEqual(toolchains.map(t => t.stack).sort());
    for (const option of properties.stack.oneOf)
      expect(option.title).toMatch(/ — /);
  });

  it('needs only name, owner and stack: every other parameter has a default', () => {
    const required = template.spec.parameters.flatMap(
      (p: any) => p.required ?? [],
    );
    expect(required.sort()).toEqual(['name', 'owner', 'stack']);
    const optional = Object.keys(properties).filter(k => !required.includes(k));
    for (const key of optional)
      expect([key, properties[key].default]).not.toEqual([key, undefined]);
  });

  it('refuses names that are not DNS-1123 labels in the form schema too', () => {
    const validator = new Validator();
    const schema = { type: 'object', properties: { name: properties.name } };
    for (const bad of ['Bad', 'a_b', '-a', 'a-', 'x'.repeat(64), '']) {
      expect(validator.validate({ name: bad }, schema).valid).toBe(false);
    }
    expect(validator.validate({ name: 'billing-api' }, schema).valid).toBe(
      true,
    );
  });

  it('uses only registered actions (or the SCM publishers), each step with inputs its action accepts', () => {
    const ours = [
      createServiceRenderAction(),
      createDeployRenderAction(),
      createPublishLocalAction(),
      createCatalogRegisterAction({ catalog: catalogServiceMock() }),
    ];
    const foreign = template.spec.steps
      .map((step: any) => step.action)
      .filter((id: string) => !ours.some(a => a.id === id));
    expect([...new Set(foreign)].sort()).toEqual([
      'publish:github',
      'publish:gitlab',
    ]);
    const unaccepted = template.spec.steps.flatMap((step: any) => {
      const action = ours.find(a => a.id === step.action);
      const accepted = Object.keys(
        (action?.schema?.input as any)?.properties ?? {},
      );
      return action
        ? Object.keys(step.input)
            .filter(k => !accepted.includes(k))
            .map(k => `${step.id}.${k}`)
        : [];
    });
    expect(unaccepted).toEqual([]);
  });
});
