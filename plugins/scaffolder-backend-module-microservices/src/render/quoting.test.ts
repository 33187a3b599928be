import { parse } from 'yaml';
import {
  csharpString,
  goString,
  rustString,
  tomlString,
  yamlString,
} from './quoting';

const hostile =
  'a "quoted" \\ back\nslash\ttab\r\u0007bell \u007f del \ufeff bom ${{ x }} {% raw %} # ü 🚀';

describe('quoting filters', () => {
  it('yaml_string round-trips through a YAML parser', () => {
    expect(parse(`k: ${yamlString(hostile)}`)).toEqual({ k: hostile });
  });

  it('go_string escapes controls with \\u and keeps unicode raw', () => {
    expect(goString('a"b\\c\n\u0007ü')).toBe('"a\\"b\\\\c\\n\\u0007ü"');
  });

  it('rust_string uses \\u{..} escapes', () => {
    expect(rustString('x\u0007\ufeff"')).toBe('"x\\u{7}\\u{feff}\\""');
  });

  it('csharp_string escapes controls, BOM and DEL with \\u and keeps other unicode raw', () => {
    expect(csharpString('a"b\\c\n\u0007\u007f\ufeffü🚀')).toBe(
      '"a\\"b\\\\c\\n\\u0007\\u007f\\ufeffü🚀"',
    );
    // C#'s regular-string escapes used here are JSON's, so a JSON parser reads the literal back exactly.
    expect(JSON.parse(csharpString(hostile))).toBe(hostile);
  });

  it('toml_string escapes DEL, which TOML forbids raw', () => {
    expect(tomlString('a\u007fb')).toBe('"a\\u007fb"');
  });

  it('replaces lone surrogates, which no target can encode', () => {
    expect(goString('x\ud800y')).toBe('"x\ufffdy"');
  });
});
