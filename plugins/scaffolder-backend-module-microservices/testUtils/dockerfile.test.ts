import { checkDockerfile, unquoteDockerWord } from './dockerfile';

const GOOD = `FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.description="a \\"quoted\\" \\$HOME \\\\ text" \\
      org.opencontainers.image.revision=$REVISION
COPY --from=build /src/bin/api /app/api
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/app/api"]
`;

const change = (from: string, to: string) => {
  expect(GOOD).toContain(from);
  return GOOD.replace(from, to);
};

describe('checkDockerfile', () => {
  it('accepts a multi-stage, pinned, non-root, exec-form Dockerfile and reads it back', () => {
    const report = checkDockerfile(GOOD, { port: 8080 });
    expect(report.problems).toEqual([]);
    expect(report.stages.map(s => [s.name, s.image, s.tag])).toEqual([
      ['build', 'golang', '1.26.8-bookworm'],
      [undefined, 'gcr.io/distroless/static-debian12', 'nonroot'],
    ]);
    expect(report.labels['org.opencontainers.image.description']).toBe(
      'a "quoted" $HOME \\ text',
    );
    expect(report.entrypoint).toEqual(['/app/api']);
    expect(report.runs.build).toEqual(['make build']);
  });

  it.each([
    [
      change('FROM golang:1.26.8-bookworm AS build', 'FROM golang AS build'),
      /not pinned \(no tag or 'latest'\)/,
    ],
    [
      change(
        'FROM golang:1.26.8-bookworm AS build',
        'FROM golang:latest AS build',
      ),
      /not pinned \(no tag or 'latest'\)/,
    ],
    [
      change(
        'FROM golang:1.26.8-bookworm AS build',
        'FROM golang:1.26-bookworm AS build',
      ),
      /toolchain image not pinned to an exact version/,
    ],
    [
      change(
        'gcr.io/distroless/static-debian12:nonroot',
        'gcr.io/distroless/static-debian12',
      ),
      /not pinned/,
    ],
    [
      change('gcr.io/distroless/static-debian12:nonroot', 'build'),
      /final stage must start from a runtime image/,
    ],
    [change('USER 65532:65532', 'USER nonroot'), /use a numeric uid/],
    [change('USER 65532:65532', 'USER 0'), /runs as root/],
    [change('USER 65532:65532\n', ''), /no USER/],
    [
      change('ENTRYPOINT ["/app/api"]', 'ENTRYPOINT /app/api'),
      /ENTRYPOINT is in shell form/,
    ],
    [change('EXPOSE 8080', 'EXPOSE 9090'), /port 8080 expected/],
    [change('\\$HOME', '$HOME'), /value expands a variable/],
    [
      GOOD.slice(GOOD.indexOf('FROM gcr.io')),
      /multi-stage build expected: 1 stage/,
    ],
    [change('WORKDIR /src', 'WORKDIR'), /line 2: /],
  ])('refuses a policy violation (%#)', (content, problem) => {
    expect(checkDockerfile(content, { port: 8080 }).problems).toEqual(
      expect.arrayContaining([expect.stringMatching(problem)]),
    );
  });

  it('unquotes like BuildKit: only ", $ and the escape character are escapes inside quotes', () => {
    expect(unquoteDockerWord('"a\\"b\\$c\\\\d\\ne"')).toEqual({
      value: 'a"b$c\\d\\ne',
      expands: false,
    });
    expect(unquoteDockerWord('"$HOME"').expands).toBe(true);
  });
});
