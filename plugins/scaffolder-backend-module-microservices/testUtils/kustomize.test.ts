import { createMockDirectory } from '@backstage/backend-test-utils';
import { buildKustomization } from './kustomize';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: api
          image: x:1
          resources: {requests: {cpu: 100m}}
        - name: sidecar
          image: y:1
`;

describe('buildKustomization', () => {
  const dir = createMockDirectory();
  beforeEach(() => dir.clear());

  it('applies strategic-merge patches by merge key and JSON 6902 patches by target', () => {
    dir.setContent({
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': deployment,
      'prod/kustomization.yaml': `resources: [../base]
patches:
  - path: patch.yaml
  - target: {kind: Deployment, name: api}
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 3
`,
      'prod/patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          resources: {limits: {memory: 1Gi}}
`,
    });
    const [built] = buildKustomization(dir.resolve('prod'));
    expect(built.spec.replicas).toBe(3);
    expect(built.spec.template.spec.containers).toEqual([
      {
        name: 'api',
        image: 'x:1',
        resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } },
      },
      { name: 'sidecar', image: 'y:1' },
    ]);
  });

  it.each([
    [
      'namePrefix: x-\nresources: [deployment.yaml]\n',
      /field 'namePrefix' is not supported/,
    ],
    ['resources: [deployment.yaml, deployment.yaml]\n', /defined twice/],
    [
      'resources: [deployment.yaml]\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: other}\n',
      /matches no object/,
    ],
    [
      'resources: [deployment.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: replace\n        path: /spec/paused\n        value: true\n',
      /replace at \/spec\/paused: Value required at path/,
    ],
  ])(
    'refuses what it cannot build faithfully (%#)',
    (kustomization, message) => {
      dir.setContent({
        'kustomization.yaml': kustomization,
        'deployment.yaml': deployment,
      });
      expect(() => buildKustomization(dir.path)).toThrow(message);
    },
  );
});
