import { describe, expect, it } from 'vitest';

import { escapeUnsafeText, firstUnsafeCharacter, label } from './display-text.ts';
import { EnrollmentRequest } from './enrollment.ts';
import { parseOrError } from './parse.ts';

describe(label.name, () => {
  it.each([
    ['a newline', 'St Mary\nFAKE LOG LINE', 'U+000A'],
    ['a carriage return', 'St\rMary', 'U+000D'],
    ['an escape sequence', '\u001b[2JSt Mary', 'U+001B'],
    ['a C1 control', 'St\u0085Mary', 'U+0085'],
    ['a right-to-left override', 'St Mary \u202Egpj.exe', 'U+202E'],
    ['a bidi isolate', 'St \u2066Mary\u2069', 'U+2066'],
    ['a line separator', 'St\u2028Mary', 'U+2028'],
  ])('refuses %s, naming the character', (_what, name, codePoint) => {
    const parsed = label(100).safeParse(name);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(
      `must not contain control or bidirectional characters (found ${codePoint})`,
    );
  });

  it('accepts names in any script, with accents and emoji, and trims them', () => {
    for (const name of ['Hôpital Saint-Louis', 'مستشفى', '東京病院', 'Klinikum 🏥'])
      expect(label(100).parse(` ${name} `)).toBe(name);
  });

  it('names the field in an enrollment refusal', () => {
    const refused = parseOrError(EnrollmentRequest.pick({ siteName: true }), { siteName: 'a\u202Eb' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/^siteName: must not contain control/);
  });
});

describe(escapeUnsafeText.name, () => {
  it('writes control and bidi characters as \\uXXXX, which JSON reads back', () => {
    const raw = 'a\nb\u202Ec\u0085';
    const escaped = escapeUnsafeText(raw);
    expect(escaped).toBe('a\\u000ab\\u202ec\\u0085');
    expect(firstUnsafeCharacter(escaped)).toBeUndefined();
    expect(JSON.parse(`"${escaped}"`)).toBe(raw);
  });
});
