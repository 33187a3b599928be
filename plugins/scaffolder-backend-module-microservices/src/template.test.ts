import { parse } from 'yaml';
import fs from 'node:fs';
import { Validator } from 'jsonschema';
import { TEMPLATE_FILE } from './cli/render';
import { OFFERED_STACKS, stacks } from './stacks';
import { publicHostIntegrations } from './scm/repositoryLocation';
import {
  createCatalogRegisterAction,
  createDeployRenderAction,
  createPublishLocalAction,
  createServiceRenderAction,
} from './actions';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { findStackDescription } from '@cross-stack/plugin-microservices-common';

const template = parse(fs.readFileSync(TEMPLATE_FILE, 'utf8'));
const properties = Object.assign(
  {},
  ...template.spec.parameters.map((page: any) => page.properties),
);

const ours = () => {
  const integrations = publicHostIntegrations();
  return [
    createServiceRenderAction({ integrations }),
    createDeployRenderAction({ integrations }),
    createPublishLocalAction(),
    createCatalogRegisterAction({ catalog: catalogServiceMock() }),
  ];
};

describe('templates/microservice/template.yaml', () => {
  it('is a v1beta3 service template named microservice', () => {
    expect(template).toMatchObject({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name: 'microservice' },
      spec: { type: 'service' },
    });
  });

  // That the conformance tier proves each of them is checked in e2e/template.test.ts, beside that tier.
  it('offers exactly the stacks the module generates, which the actions publish as their stack enum', () => {
    const offered = properties.stack.oneOf.map(
      (o: { const: string }) => o.const,
    );
    expect([...offered].sort()).toEqual(stacks.map(s => s.id).sort());
    expect(stacks.map(s => s.id)).toEqual([...OFFERED_STACKS]);
    const stackEnums = ours()
      .map(a => (a.schema?.input as any)?.properties?.stack?.enum)
      .filter(Boolean);
    expect(stackEnums).toEqual([[...OFFERED_STACKS], [...OFFERED_STACKS]]);
    // Each stack's title is defined once, in the common package: the actions and the form take it from there,
    // and the template (YAML, which cannot import it) starts each choice with it, then says when to choose it.
    for (const option of properties.stack.oneOf) {
      const title = findStackDescription(option.const)?.title;
      expect(option.title.split(' — ')[0]).toBe(title);
      expect(option.title).toMatch(/^[^—]+ — \S/);
      expect(stacks.find(s => s.id === option.const)?.title).toBe(title);
    }
  });

  it("publishes the defaults the handlers apply, and the template's defaults agree with them", () => {
    const inputs = Object.fromEntries(
      ours().map(a => [a.id, (a.schema?.input as any).properties]),
    );
    const defaults = (id: string) =>
      Object.fromEntries(
        Object.entries<any>(inputs[id])
          .filter(([, p]) => p.default !== undefined)
          .map(([k, p]) => [k, p.default]),
      );
    expect(defaults('microservice:service:render')).toEqual({
      description: '',
      system: '',
      lifecycle: 'experimental',
      resource: 'user',
      targetPath: '.',
      overwrite: false,
    });
    expect(
      inputs['microservice:service:render'].features.properties.auth.default,
    ).toBe(false);
    expect(defaults('microservice:deploy:render')).toEqual({
      description: '',
      port: 8080,
      ci: 'github',
      signing: 'keyless',
      serviceMonitor: false,
      auth: false,
      license: 'LicenseRef-Proprietary',
      argocd: false,
      databaseEgress: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
      otlpEgress: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
      targetPath: '.',
      overwrite: false,
    });
    expect(inputs['microservice:deploy:render'].ci.enum).toEqual([
      'github',
      'gitlab',
      'none',
    ]);
    expect(defaults('microservice:publish:local')).toEqual({
      sourcePath: '.',
      defaultBranch: 'main',
      commitMessage: 'Initial commit',
    });
    expect(defaults('microservice:catalog:register')).toEqual({
      optional: false,
      waitForEntitySeconds: 0,
    });
    for (const key of ['resource', 'auth', 'ci', 'serviceMonitor', 'stack'])
      expect(properties[key].default).toBeDefined();
    expect(properties.resource.default).toBe(
      defaults('microservice:service:render').resource,
    );
    expect(properties.ci.default).toBe(
      defaults('microservice:deploy:render').ci,
    );
    for (const key of ['databaseEgress', 'otlpEgress'])
      expect(properties[key].default).toBe(
        defaults('microservice:deploy:render')[key],
      );
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

  it('ends with the Preview page: the generated files, no answer of its own, not on the Review page', () => {
    const pages = template.spec.parameters;
    const last = pages[pages.length - 1];
    expect(last.title).toBe('Preview');
    expect(last.properties).toEqual({
      preview: expect.objectContaining({
        type: 'null',
        default: null,
        'ui:field': 'MicroservicePreview',
        'ui:backstage': { review: { show: false } },
      }),
    });
    // No step reads it.
    expect(JSON.stringify(template.spec.steps)).not.toContain(
      'parameters.preview',
    );
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
    const actions = ours();
    const foreign = template.spec.steps
      .map((step: any) => step.action)
      .filter((id: string) => !actions.some(a => a.id === id));
    expect([...new Set(foreign)].sort()).toEqual([
      'publish:github',
      'publish:gitlab',
    ]);
    const unaccepted = template.spec.steps.flatMap((step: any) => {
      const action = actions.find(a => a.id === step.action);
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
