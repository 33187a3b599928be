/**
 * A Dockerfile double-quoted word that BuildKit reads back as the input: inside double quotes only `"`, `$` and
 * the escape character are special (`$` would expand a variable). A Dockerfile instruction is one line, so line
 * breaks and other control characters become spaces — the only change made to the text.
 */
export function dockerfileString(value: unknown): string {
  let out = '"';
  for (const char of String(value ?? '')) {
    const codePoint = char.codePointAt(0)!;
    if (char === '"' || char === '$' || char === '\\') out += `\\${char}`;
    else if (
      codePoint < 0x20 ||
      (codePoint >= 0x7f && codePoint <= 0x9f) ||
      codePoint === 0x2028 ||
      codePoint === 0x2029
    ) {
      out += ' ';
    } else if (codePoint >= 0xd800 && codePoint <= 0xdfff) out += '\uFFFD';
    else out += char;
  }
  return `${out}"`;
}
