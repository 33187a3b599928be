import type { StackDescription } from './types';

export const goDescription: StackDescription = {
  id: 'go',
  title: 'Go (net/http)',
  framework:
    'Go standard library net/http (ServeMux routing), pgx/v5 pool, goose migrations, log/slog, OpenTelemetry (OTLP), Prometheus client_golang',
  includes: [
    'one static binary, fast builds and tests (go test, go vet, gofmt in CI)',
    'go.mod and go.sum pinned; migrations embedded in the binary',
    'Dockerfile on distroless nonroot, Kubernetes manifests, GitHub Actions or GitLab CI',
  ],
  chooseWhen:
    'Gateways, CRUD and integration services, high concurrency with simple code; a team that wants fast builds and small images.',
  nameProblem() {
    // Every DNS-1123 label is a valid Go module path element and package directory.
    return undefined;
  },
};
