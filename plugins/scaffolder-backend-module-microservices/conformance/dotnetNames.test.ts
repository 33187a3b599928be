/*
 * The .NET name rules, proven by the compiler: names the rules let through although the code uses the same words as
 * members or declared names build with the repository's own `-warnaserror` gate (this check found that a keyword
 * such as `class` fails CA1716 and a resource `name` fails CS0542, which the rules now refuse). The refusals are tested in the fast tier (src/actions/serviceRender.test.ts); the names
 * they list were found by compiling them while the skeleton was written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderFromTemplate } from '../src/cli/render';
import { silentLogger } from '../src/update/runAction';
import { runGate, stackUnavailable, toolchains } from './toolchains';

jest.setTimeout(10 * 60_000);

const dotnet = toolchains.find(t => t.stack === 'dotnet')!;
const unavailable = stackUnavailable(dotnet);
if (unavailable) {
  // eslint-disable-next-line no-console
  console.warn(`.NET name checks SKIPPED: dotnet: ${unavailable}`);
}
const describeWithDotnet = unavailable ? describe.skip : describe;

describeWithDotnet('.NET names the rules allow compile', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dotnet-names-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it.each([
    // `Email`, `Status`, `Customer` and `Statuses` are only member or declared names in the generated code.
    ['email', 'status'],
    ['status', 'customer'],
  ])(
    "service '%s' with resource '%s' restores and builds with -warnaserror",
    async (name, resource) => {
      const repo = path.join(work, name);
      await renderFromTemplate({
        parameters: {
          stack: 'dotnet',
          name,
          owner: 'group:default/team-a',
          resource,
        },
        out: repo,
        logger: silentLogger,
      });
      for (const args of [
        ['restore', '--locked-mode'],
        ['build', '-c', 'Release', '-warnaserror', '--no-restore'],
      ]) {
        const result = runGate({ command: 'dotnet', args }, repo, dotnet.env);
        expect({
          args: args.join(' '),
          status: result.status,
          output: result.output.slice(-4000),
        }).toMatchObject({ status: 0 });
      }
    },
  );
});
