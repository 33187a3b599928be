/*
 * `yarn template lint [--exhaustive] [template.yaml …]` — see templateLint.ts for the rules. Default: every
 * template under the repository's templates/. Prints one line per problem (`file:line: rule: message`) on stdout
 * and a summary on stderr; exits 1 when there is any problem, 2 on a usage error.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import path from 'node:path';
import { callerCwd } from './callerCwd';
import { parseArgs } from 'node:util';
import { PACKAGE_NAME } from '../packageFiles';
import {
  findTemplates,
  formatProblem,
  lintTemplate,
  startSandbox,
  type LintProblem,
} from './templateLint';

/** The repository's templates folder, beside the package. */
export const TEMPLATES_DIR = resolvePackagePath(
  PACKAGE_NAME,
  '../../templates',
);

const USAGE = `usage: yarn template lint [--exhaustive] [template.yaml …]

  template.yaml …   the templates to lint (default: every template under templates/)
  --exhaustive      dry-run every combination of choices, not each choice alone
  --help            print this and exit`;

export async function runTemplateCommand(
  argv: string[],
  io: { out: (t: string) => void; err: (t: string) => void; cwd?: string },
): Promise<number> {
  const cwd = io.cwd ?? callerCwd();
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  let files: string[];
  let exhaustive: boolean;
  try {
    const [command, ...rest] = argv;
    if (command !== 'lint')
      throw new Error(`unknown command '${command ?? ''}'`);
    const { values, positionals } = parseArgs({
      args: rest,
      options: { exhaustive: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    exhaustive = values.exhaustive ?? false;
    files = positionals.length
      ? positionals.map(f => path.resolve(cwd, f))
      : findTemplates(TEMPLATES_DIR);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }

  const started = Date.now();
  const sandbox = await startSandbox();
  const problems: LintProblem[] = [];
  try {
    for (const file of files) {
      const display = path.relative(cwd, file) || file;
      try {
        problems.push(
          ...(await lintTemplate(file, sandbox, { display, exhaustive })),
        );
      } catch (error) {
        problems.push({
          file: display,
          line: 1,
          rule: 'yaml',
          message: `cannot lint: ${(error as Error).message}`,
        });
      }
    }
  } finally {
    await sandbox.stop();
  }
  const dryRuns = sandbox.dryRuns();
  problems.sort((a, b) => {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    return a.line - b.line;
  });
  for (const problem of problems) io.out(`${formatProblem(problem)}\n`);
  io.err(
    `template lint: ${files.length} template(s), ${
      problems.length
    } problem(s), ${dryRuns} dry run(s) in ${(
      (Date.now() - started) /
      1000
    ).toFixed(1)} s\n`,
  );
  return problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
  runTemplateCommand(process.argv.slice(2), {
    out: t => process.stdout.write(t),
    err: t => process.stderr.write(t),
  }).then(
    // The sandbox's scaffolder leaves a timer running; the verdict is in.
    code => process.exit(code),
    error => {
      process.stderr.write(`template lint: ${error?.stack ?? error}\n`);
      process.exit(2);
    },
  );
}
