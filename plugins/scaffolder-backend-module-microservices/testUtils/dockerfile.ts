/*
 * Parses a Dockerfile (dockerfile-ast), lints it (dockerfile-utils) and checks the image policy on the syntax tree:
 * multi-stage, every base image pinned (an exact version tag or a digest for toolchains; never `latest` or no tag),
 * a numeric non-root USER, an exec-form ENTRYPOINT and an EXPOSEd port in the final stage.
 */
import {
  DockerfileParser,
  type From,
  type Instruction,
  type Label,
  type JSONInstruction,
} from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { dockerfileString } from '../src/deploy';

export interface DockerStage {
  name?: string;
  image: string;
  tag?: string;
  digest?: string;
  instructions: Instruction[];
}

export interface DockerfileReport {
  problems: string[];
  stages: DockerStage[];
  /** Labels of the final stage, unquoted as BuildKit reads them. */
  labels: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  exposed: string[];
  /** Shell commands of every RUN, per stage name (or index). */
  runs: Record<string, string[]>;
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:[-.][\w.-]+)?$/;

/**
 * A double-quoted Dockerfile word as BuildKit's shell lexer reads it: inside quotes only `"`, `$` and the escape
 * character can be escaped; an unescaped `$` starts a variable, which a literal label must not contain.
 */
export function unquoteDockerWord(
  word: string,
  escape = '\\',
): { value: string; expands: boolean } {
  let value = '';
  let expands = false;
  let quoted = false;
  for (let i = 0; i < word.length; i++) {
    const char = word[i];
    if (char === '"') {
      quoted = !quoted;
    } else if (
      char === escape &&
      i + 1 < word.length &&
      (!quoted || ['"', '$', escape].includes(word[i + 1]))
    ) {
      value += word[++i];
    } else {
      if (char === '$') expands = true;
      value += char;
    }
  }
  return { value, expands };
}

function textAt(
  content: string,
  range: {
    start: { line: number; character: number };
    end: { line: number; character: number };
  },
) {
  const lines = content.split('\n');
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return content.slice(offset(range.start), offset(range.end));
}

function stageOf(from: From, instructions: Instruction[]): DockerStage {
  return {
    name: from.getBuildStage() ?? undefined,
    image: [from.getRegistry(), from.getImageName()].filter(Boolean).join('/'),
    tag: from.getImageTag() ?? undefined,
    digest: from.getImageDigest() ?? undefined,
    instructions,
  };
}

export function checkDockerfile(
  content: string,
  options: { port?: number } = {},
): DockerfileReport {
  const problems: string[] = [];
  for (const d of validate(content)) {
    if (
      d.severity === ValidationSeverity.ERROR ||
      d.severity === ValidationSeverity.WARNING
    ) {
      problems.push(`line ${d.range.start.line + 1}: ${d.message}`);
    }
  }
  const dockerfile = DockerfileParser.parse(content);
  const escape = dockerfile.getEscapeCharacter();
  const stages: DockerStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') stages.push(stageOf(instruction as From, []));
    else if (stages.length === 0) {
      if (keyword !== 'ARG')
        problems.push(
          `line ${
            instruction.getRange().start.line + 1
          }: ${keyword} before FROM`,
        );
    } else stages[stages.length - 1].instructions.push(instruction);
  }
  if (stages.length < 2)
    problems.push(`multi-stage build expected: ${stages.length} stage(s)`);

  const names = new Set<string>();
  stages.forEach((stage, index) => {
    const final = index === stages.length - 1;
    const label = `stage ${stage.name ?? index} (FROM ${stage.image}${
      stage.tag ? `:${stage.tag}` : ''
    })`;
    if (names.has(stage.image)) {
      if (final)
        problems.push(
          `${label}: the final stage must start from a runtime image, not a build stage`,
        );
    } else if (stage.image.includes('$') || (stage.tag ?? '').includes('$')) {
      problems.push(
        `${label}: the base image comes from a build argument, so it is not pinned`,
      );
    } else if (!stage.digest && (!stage.tag || stage.tag === 'latest')) {
      problems.push(
        `${label}: base image not pinned (no tag or 'latest'); use a version tag or a digest`,
      );
    } else if (
      !final &&
      !stage.digest &&
      !EXACT_VERSION.test(stage.tag!.split('-')[0])
    ) {
      problems.push(
        `${label}: toolchain image not pinned to an exact version (x.y.z tag or digest)`,
      );
    }
    if (stage.name) names.add(stage.name);
  });

  const report: DockerfileReport = {
    problems,
    stages,
    labels: {},
    exposed: [],
    runs: {},
  };
  stages.forEach((stage, index) => {
    report.runs[stage.name ?? String(index)] = stage.instructions
      .filter(i => i.getKeyword() === 'RUN')
      .map(i => i.getArgumentsContent() ?? '');
  });
  const final = stages[stages.length - 1];
  if (!final) return report;
  for (const instruction of final.instructions) {
    const keyword = instruction.getKeyword();
    if (keyword === 'LABEL') {
      for (const property of (instruction as Label).getProperties()) {
        // The value as written (getValue() has already removed quotes and some escapes).
        const range = property.getValueRange();
        const raw = range ? textAt(content, range) : '';
        const { value, expands } = unquoteDockerWord(raw, escape);
        // Build arguments (version, revision) are meant to expand; free text must not.
        if (expands && !/^\$[A-Z_]+$/.test(raw))
          problems.push(
            `LABEL ${property.getName()}: value expands a variable: ${raw}`,
          );
        report.labels[property.getName()] = value;
      }
    } else if (keyword === 'USER') {
      report.user = instruction.getArgumentsContent() ?? '';
    } else if (keyword === 'ENTRYPOINT') {
      const json = (instruction as JSONInstruction).getJSONStrings();
      if (json.length === 0)
        problems.push(
          'ENTRYPOINT is in shell form; use the exec form ["/path", …]',
        );
      report.entrypoint = json.map(s => s.getJSONValue());
    } else if (
      keyword === 'CMD' &&
      (instruction as JSONInstruction).getJSONStrings().length === 0
    ) {
      problems.push('CMD is in shell form; the runtime image has no shell');
    } else if (keyword === 'EXPOSE') {
      report.exposed.push(...instruction.getArguments().map(a => a.getValue()));
    } else if (keyword === 'RUN') {
      problems.push(
        'RUN in the final stage: the runtime image has no shell and should not change',
      );
    }
  }
  if (report.user === undefined)
    problems.push('final stage has no USER: the image would run as root');
  else {
    const match = /^(\d+)(?::(\d+))?$/.exec(report.user);
    if (!match)
      problems.push(
        `USER ${report.user}: use a numeric uid[:gid] so runAsNonRoot can verify it`,
      );
    else if (match[1] === '0' || match[2] === '0')
      problems.push(`USER ${report.user}: runs as root`);
  }
  if (!report.entrypoint) problems.push('final stage has no ENTRYPOINT');
  if (report.exposed.length === 0) problems.push('final stage EXPOSEs no port');
  if (
    options.port !== undefined &&
    !report.exposed.includes(String(options.port))
  ) {
    problems.push(
      `EXPOSE ${report.exposed.join(' ')}: port ${options.port} expected`,
    );
  }
  return report;
}

/** The text an image label ends up with when its value was quoted by dockerfileString, as BuildKit reads it. */
export function dockerfileLabelText(value: unknown): string {
  return unquoteDockerWord(dockerfileString(value)).value;
}
