import fs from 'node:fs';
import {
  checkGitlabPipeline,
  GITLAB_CI_SCHEMA_FILE,
  gitlabSchemaProblems,
} from './gitlabPipeline';

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
    ['stages: [test]\n', 'no jobs'],
    [`${PIPELINE}lint:\n  script: [x]\n`, 'YAML: Map keys must be unique'],
  ])('reports problems (%#)', (content, problem) => {
    const { problems } = checkGitlabPipeline(content);
    expect(problems.join('\n')).toContain(problem);
  });
});

const schemaInstalled = fs.existsSync(GITLAB_CI_SCHEMA_FILE);
if (!schemaInstalled) {
  // eslint-disable-next-line no-console
  console.log(
    `GitLab CI schema checks skipped: ${GITLAB_CI_SCHEMA_FILE} is missing (scripts/setup.sh installs it)`,
  );
}

(schemaInstalled ? describe : describe.skip)(
  "gitlabSchemaProblems (GitLab's published CI schema)",
  () => {
    it('accepts a valid pipeline', () => {
      expect(gitlabSchemaProblems(PIPELINE)).toEqual({ problems: [] });
    });

    it.each([
      [PIPELINE.replace('stage: lint', 'stagee: lint'), /\/lint .*stagee/],
      [`${PIPELINE}  when: sometimes\n`, /\/unit-test\/when .*on_success/],
      [
        `${PIPELINE}image:\n  stage: test\n  script: [docker build .]\n`,
        /\/image /,
      ],
      [PIPELINE.replace('stages: [lint, test]', 'stages: lint'), /\/stages /],
    ])('reports keywords and types GitLab refuses (%#)', (content, problem) => {
      const result = gitlabSchemaProblems(content);
      expect(result).toEqual({
        problems: expect.arrayContaining([expect.stringMatching(problem)]),
      });
      // checkGitlabPipeline reports them too.
      expect(checkGitlabPipeline(content).problems.join('\n')).toMatch(
        /^schema: /m,
      );
    });
  },
);
