import { actionlintProblems } from './githubWorkflow';

const WORKFLOW = `name: ci
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4.2.2
      - run: echo "\${{ github.sha }}"
`;

describe('actionlintProblems', () => {
  it('accepts a valid workflow', async () => {
    expect(await actionlintProblems(WORKFLOW)).toEqual([]);
  });

  it('reports bad expressions, unknown keys and missing runners', async () => {
    const problems = await actionlintProblems(
      WORKFLOW.replace('github.sha', 'github.shaa').replace(
        'runs-on: ubuntu-24.04',
        'runs_on: ubuntu-24.04',
      ),
    );
    expect(problems.join('\n')).toMatch(/"runs-on" section is missing/);
    expect(problems.join('\n')).toMatch(/unexpected key "runs_on"/);
  });

  it('reports an undefined property in an expression', async () => {
    const problems = await actionlintProblems(
      WORKFLOW.replace('github.sha', 'steps.nope.outputs.x'),
    );
    expect(problems.join('\n')).toMatch(/property "nope" is not defined/);
  });
});
