/*
 * Quoting filters: the only way free text reaches code or structured files in a skeleton.
 * Each returns a complete literal (with quotes) that the target language reads back as the exact input.
 */

type Escape = (codePoint: number) => string;

const hex = (codePoint: number, width: number) =>
  codePoint.toString(16).padStart(width, '0');

// Characters that are legal raw in some languages but not others (controls, DEL, C1, BOM, line separators)
// are always escaped, which keeps one rule for every target.
function needsEscape(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0xfeff ||
    codePoint === 0x2028 ||
    codePoint === 0x2029
  );
}

function quoteWith(value: unknown, escape: Escape): string {
  let out = '"';
  for (const char of String(value ?? '')) {
    const codePoint = char.codePointAt(0)!;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    // A lone UTF-16 surrogate cannot be encoded in any of the targets.
    else if (codePoint >= 0xd800 && codePoint <= 0xdfff) out += '\uFFFD';
    else if (needsEscape(codePoint)) out += escape(codePoint);
    else out += char;
  }
  return `${out}"`;
}

const fourHex: Escape = cp => `\\u${hex(cp, 4)}`;

/** A Go interpreted string literal. */
export const goString = (value: unknown) => quoteWith(value, fourHex);
/** A Rust string literal. */
export const rustString = (value: unknown) =>
  quoteWith(value, cp => `\\u{${hex(cp, 1)}}`);
/** A TOML basic string. */
export const tomlString = (value: unknown) => quoteWith(value, fourHex);
/** A C# regular string literal (`\uXXXX` escapes; every escaped character is in the BMP). */
export const csharpString = (value: unknown) => quoteWith(value, fourHex);
/** A YAML double-quoted scalar. */
export const yamlString = (value: unknown) => quoteWith(value, fourHex);

export const quotingFilters: Record<string, (value: unknown) => string> = {
  json: value => JSON.stringify(value) ?? 'null',
  go_string: goString,
  rust_string: rustString,
  csharp_string: csharpString,
  toml_string: tomlString,
  yaml_string: yamlString,
};
