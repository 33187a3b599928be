import { createMockDirectory } from '@backstage/backend-test-utils';
import { buildKustomization, kustomizeBuild } from './kustomize';

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

  const generatorFixture = {
    'base/kustomization.yaml': `resources: [deployment.yaml]
configMapGenerator:
  - name: api-config
    envs: [config.env]
    literals: ["QUOTED='a b'"]
    options:
      labels: {app: api}
`,
    'base/config.env': '# comment\nA=1\n  B=x=y <&> \u00fc\n\nEMPTY=\n',
    'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api
          envFrom:
            - configMapRef: {name: api-config}
          env:
            - name: X
              valueFrom:
                configMapKeyRef: {name: api-config, key: A}
            - name: OTHER
              valueFrom:
                configMapKeyRef: {name: unrelated, key: A}
      volumes:
        - name: c
          configMap: {name: api-config}
`,
    'dev/kustomization.yaml': `namespace: api-dev
resources: [../base]
images:
  - name: ghcr.io/acme/api
    digest: sha256:${'a'.repeat(64)}
configMapGenerator:
  - name: api-config
    behavior: merge
    envs: [config.env]
`,
    'dev/config.env': 'A=2\nC=3\n',
  };

  it("generates ConfigMaps with kustomize's hash suffix, merges overlays, renames references, sets namespace and digest", () => {
    dir.setContent(generatorFixture);
    // Names recorded from kustomize v5.8.2 on the same input.
    const base = buildKustomization(dir.resolve('base'));
    expect(base.find(o => o.kind === 'ConfigMap')!.metadata.name).toBe(
      'api-config-8858bmkmtt',
    );
    const dev = buildKustomization(dir.resolve('dev'));
    const configMap = dev.find(o => o.kind === 'ConfigMap')!;
    expect(configMap).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'api-config-hh27578t5c',
        namespace: 'api-dev',
        labels: { app: 'api' },
      },
      data: {
        A: '2',
        B: 'x=y <&> \u00fc',
        C: '3',
        EMPTY: '',
        QUOTED: 'a b',
      },
    });
    const built = dev.find(o => o.kind === 'Deployment')!;
    expect(built.metadata.namespace).toBe('api-dev');
    const pod = built.spec.template.spec;
    expect(pod.containers[0].image).toBe(
      `ghcr.io/acme/api@sha256:${'a'.repeat(64)}`,
    );
    expect(pod.containers[0].envFrom[0].configMapRef.name).toBe(
      configMap.metadata.name,
    );
    expect(
      pod.containers[0].env.map((e: any) => e.valueFrom.configMapKeyRef.name),
    ).toEqual([configMap.metadata.name, 'unrelated']);
    expect(pod.volumes[0].configMap.name).toBe(configMap.metadata.name);
  });

  it('builds what the kustomize binary builds, where one is available', () => {
    dir.setContent(generatorFixture);
    for (const overlay of ['base', 'dev']) {
      const real = kustomizeBuild(dir.resolve(overlay));
      if ('skipped' in real) {
        // eslint-disable-next-line no-console
        console.log(`not compared with kustomize: ${real.skipped}`);
        return;
      }
      const byId = (objects: any[]) =>
        [...objects].sort((a, b) =>
          `${a.kind}/${a.metadata.name}`.localeCompare(
            `${b.kind}/${b.metadata.name}`,
          ),
        );
      expect(byId(buildKustomization(dir.resolve(overlay)))).toEqual(
        byId(real.objects),
      );
    }
  });

  it.each([
    [
      'configMapGenerator:\n  - name: c\n    behavior: replace\n    literals: [A=1]\n',
      /behavior 'replace' is not supported/,
    ],
    [
      'configMapGenerator:\n  - name: c\n    files: [x]\n',
      /field 'files' is not supported/,
    ],
    [
      'configMapGenerator:\n  - name: c\n    behavior: merge\n    literals: [A=1]\n',
      /no generated ConfigMap 'c' to merge into/,
    ],
    [
      'images:\n  - name: x\n    newDigest: y\n',
      /field 'newDigest' is not supported/,
    ],
  ])(
    'refuses generator and image fields it does not implement (%#)',
    (kustomization, message) => {
      dir.setContent({ 'kustomization.yaml': kustomization });
      expect(() => buildKustomization(dir.path)).toThrow(message);
    },
  );
});
