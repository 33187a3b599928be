import { checkGitlabPipeline } from './gitlabPipeline';

const PIPELINE = `
stages: [lint, test]
.base:
  image: golang:1.26.8-bookworm
lint:
  extends: .base
  stage: lint
  script: [make lint]
unit-test:
  script: make test
  needs: [lint]
`;

describe('checkGitlabPipeline', () => {
  it('lists the jobs with their stages (default test) and resolves extends', () => {
    const { problems, jobs, stages } = checkGitlabPipeline(PIPELINE);
    expect(problems).toEqual([]);
    expect(stages).toEqual(['lint', 'test']);
    expect(jobs.map(j => [j.name, j.stage, j.script, j.raw.image])).toEqual([
      ['lint', 'lint', ['make lint'], 'golang:1.26.8-bookworm'],
      ['unit-test', 'test', ['make test'], undefined],
    ]);
  });

  it.each([
    [
      PIPELINE.replace('stage: lint', 'stage: verify'),
      "lint: stage 'verify' is not declared in stages (lint, test)",
    ],
    [
      PIPELINE.replace('stages: [lint, test]', 'stages: [lint]'),
      "unit-test: stage 'test' is not declared in stages (lint)",
    ],
    [
      PIPELINE.replace('extends: .base', 'extends: .missing'),
      "lint: extends '.missing', which does not exist",
    ],
    [
      PIPELINE.replace('needs: [lint]', 'needs: [build]'),
      "unit-test: needs 'build', which is not a job",
    ],
    [PIPELINE.replace('  script: [make lint]\n', ''), 'lint: no script'],
    [
      `${PIPELINE}image:\n  stage: test\n  script: [docker build .]\n`,
      'image: is a GitLab keyword, not a job name',
    ],
    ['stages: [test]\n', 'no jobs'],
    [`${PIPELINE}lint:\n  script: [x]\n`, 'YAML: Map keys must be unique'],
  ])('reports problems (%#)', (content, problem) => {
    const { problems } = checkGitlabPipeline(content);
    expect(problems.join('\n')).toContain(problem);
  });
});
