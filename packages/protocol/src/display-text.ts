import { z } from 'zod';

/**
 * Characters that let text pose as something else where people read it: C0/C1 controls (a newline forges
 * a log line, an escape sequence repaints a terminal), bidirectional overrides and isolates (U+202E shows
 * `txt.exe` as `exe.txt`), and the line/paragraph separators some viewers break lines on.
 */
const UNSAFE_CHARACTER = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'gu');

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first control or bidi character in `s` as `U+XXXX`, or undefined when there is none. */
export function firstUnsafeCharacter(s: string): string | undefined {
  const found = UNSAFE_CHARACTER.exec(s);
  return found ? codePoint(found[0]) : undefined;
}

/**
 * `s` with every control or bidi character written as `\uXXXX` (all are in the BMP): safe in a terminal,
 * and still valid inside a JSON string, so a JSON log line can be passed through it too.
 */
export function escapeUnsafeText(s: string): string {
  return s.replace(UNSAFE_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A name or label a person will read (site name, token label, run name): trimmed, 1..max characters, and
 * refused when it holds a control or bidi character, naming the first one.
 */
export function label(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((s, ctx) => {
      const unsafe = firstUnsafeCharacter(s);
      if (unsafe)
        ctx.addIssue({
          code: 'custom',
          message: `must not contain control or bidirectional characters (found ${unsafe})`,
        });
    });
}
