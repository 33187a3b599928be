/*
 * `yarn render --stack go --name billing-api --out DIR [--owner …] [--values answers.yaml] [--set key=value …]`
 *
 * Renders what the Create-component template's render steps render, through the same action handlers, keyed by
 * the template's parameter names. On bad input it prints the InputError's message, exits 1 and leaves no DIR.
 */
import {
  resolvePackagePath,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs';
import path from 'node:path';
import { callerCwd } from './callerCwd';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import {
  createDeployRenderAction,
  createServiceRenderAction,
} from '../actions';
import { PACKAGE_NAME } from '../packageFiles';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { DEFAULT_TEMPLATE_REF } from '../stacks/prepareService';
import { runAction } from '../update/runAction';
import {
  loadTemplate,
  parameterDefaults,
  renderStepInput,
  validateActionInput,
} from './templateSteps';

// The template lives at the repository root, beside the package.
export const TEMPLATE_FILE = resolvePackagePath(
  PACKAGE_NAME,
  '../../templates/microservice/template.yaml',
);

/**
 * The actions whose output is the repository's content (publishing and registration are not rendered). Without
 * a backend config, repository locations resolve against the public hosts, as for a backend with no integrations.
 */
export function renderActions(
  skeletonRoot?: string,
): TemplateAction<any, any, any>[] {
  const integrations = publicHostIntegrations();
  return [
    createServiceRenderAction({ integrations, skeletonRoot }),
    createDeployRenderAction({ integrations, skeletonRoot }),
  ];
}

function stderrLogger(): LoggerService {
  const write = (level: string) => (message: string) =>
    process.stderr.write(`${level}: ${message}\n`);
  const logger: LoggerService = {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

function coerce(value: string): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+$/.test(value)) return Number(value);
  return value;
}

export interface RenderRequest {
  parameters: Record<string, unknown>;
  out: string;
  templateFile?: string;
  /** Render from this skeleton tree instead of the shipped `skeletons/`. */
  skeletonRoot?: string;
  /** Where the actions' progress lines go; default stderr. */
  logger?: LoggerService;
}

/** Renders into a staging directory beside `out` and moves it into place only when every step succeeded. */
export async function renderFromTemplate(
  request: RenderRequest,
): Promise<string[]> {
  const template = loadTemplate(request.templateFile ?? TEMPLATE_FILE);
  const parameters = { ...parameterDefaults(template), ...request.parameters };
  const out = path.resolve(request.out);
  if (fs.existsSync(out)) throw new Error(`--out: ${out} already exists`);
  // The first directory created for the parent, removed again on failure.
  const createdParent = fs.mkdirSync(path.dirname(out), { recursive: true });
  const staging = fs.mkdtempSync(
    path.join(path.dirname(out), `.${path.basename(out)}-`),
  );
  const actions = renderActions(request.skeletonRoot);
  const files = new Set<string>();
  try {
    for (const step of template.spec.steps) {
      const action = actions.find(a => a.id === step.action);
      if (!action) continue;
      const input = renderStepInput(step.input ?? {}, { parameters }) as any;
      validateActionInput(action, input);
      const outputs = await runAction(action, {
        input,
        workspacePath: staging,
        templateRef: DEFAULT_TEMPLATE_REF,
        logger: request.logger ?? stderrLogger(),
        taskId: 'yarn-render',
      });
      for (const file of (outputs.files as string[]) ?? []) files.add(file);
    }
    fs.renameSync(staging, out);
  } catch (error) {
    fs.rmSync(createdParent ?? staging, { recursive: true, force: true });
    throw error;
  }
  return [...files].sort();
}

export const RENDER_USAGE = `usage: yarn render --stack STACK --name NAME --out DIR [options]

  --stack STACK         go, dotnet or rust (the template's stack parameter)
  --name NAME           the service name, e.g. billing-api
  --out DIR             the directory to create; it must not exist
  --owner REF           the owning group (default group:default/team-a)
  --description TEXT    one line about the service
  --values FILE         more template parameters from a YAML file (e.g. an answers-like map)
  --set KEY=VALUE       one template parameter (repeatable; true/false/numbers are typed)
  --help                print this and exit`;

export function parseRenderArgs(argv: string[]): RenderRequest {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      name: { type: 'string' },
      owner: { type: 'string' },
      description: { type: 'string' },
      values: { type: 'string' },
      set: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.out) throw new Error('--out: required, the directory to create');
  const cwd = callerCwd();
  const parameters: Record<string, unknown> = { owner: 'group:default/team-a' };
  if (values.values) {
    Object.assign(
      parameters,
      parse(fs.readFileSync(path.resolve(cwd, values.values), 'utf8')) ?? {},
    );
  }
  for (const pair of values.set ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--set: '${pair}' must be key=value`);
    parameters[pair.slice(0, at)] = coerce(pair.slice(at + 1));
  }
  for (const key of ['stack', 'name', 'owner', 'description'] as const) {
    if (values[key] !== undefined) parameters[key] = values[key];
  }
  return { parameters, out: path.resolve(cwd, values.out) };
}

/** Runs `yarn render`; returns the exit status. */
export async function runRenderCommand(
  argv: string[],
  io: { out: (t: string) => void; err: (t: string) => void },
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`${RENDER_USAGE}\n`);
    return 0;
  }
  let request: RenderRequest;
  try {
    request = parseRenderArgs(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n${RENDER_USAGE}\n`);
    return 1;
  }
  try {
    const files = await renderFromTemplate(request);
    io.out(`Rendered ${files.length} files into ${request.out}\n`);
    return 0;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  runRenderCommand(process.argv.slice(2), {
    out: text => process.stdout.write(text),
    err: text => process.stderr.write(text),
  }).then(code => process.exit(code));
}
