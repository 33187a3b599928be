import { kubernetesObjectProblems } from './kubernetes';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'svc', labels: { 'app.kubernetes.io/name': 'svc' } },
  spec: {
    selector: { matchLabels: { app: 'svc' } },
    template: {
      metadata: { labels: { app: 'svc' } },
      spec: {
        containers: [
          {
            name: 'api',
            image: 'ghcr.io/acme/svc:1.0.0',
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            resources: { limits: { memory: '256Mi', cpu: 1 } },
          },
        ],
      },
    },
  },
});

describe('kubernetesObjectProblems', () => {
  it('accepts a valid Deployment', () => {
    expect(kubernetesObjectProblems(deployment())).toEqual([]);
  });

  it('reports a misspelt field at any depth, which the schemas alone allow', () => {
    const object: any = deployment();
    const container = object.spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    object.spec.template.spec.securityContext = {
      runAsNonRoot: true,
      seccompProfle: { type: 'RuntimeDefault' },
    };
    expect(kubernetesObjectProblems(object)).toEqual([
      'apps/v1/Deployment svc: spec.template.spec.containers[0].readinesProbe: unknown field',
      'apps/v1/Deployment svc: spec.template.spec.securityContext.seccompProfle: unknown field',
    ]);
  });

  it('reports schema violations: wrong types and missing required fields', () => {
    const object: any = deployment();
    object.spec.replicas = 'two';
    delete object.spec.template.spec.containers[0].name;
    const problems = kubernetesObjectProblems(object);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/spec\/replicas must be integer/),
        expect.stringMatching(
          /containers\/0 must have required property '?name'?/,
        ),
      ]),
    );
  });

  it('refuses kinds it cannot check instead of passing them', () => {
    expect(
      kubernetesObjectProblems({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'x' },
      }),
    ).toEqual([expect.stringMatching(/^v1\/Secret x: kind not supported/)]);
  });
});
