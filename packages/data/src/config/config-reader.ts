import { SiteDataError } from '../errors.ts';

/**
 * Reads one YAML mapping with typed accessors; every mistake names the config file and
 * the key path, so an administrator can fix a typo without reading code.
 */
export class ConfigReader {
  readonly file: string;
  readonly path: string;
  private readonly value: Record<string, unknown>;

  constructor(options: { file: string; path: string; value: unknown }) {
    this.file = options.file;
    this.path = options.path;
    if (typeof options.value !== 'object' || options.value === null || Array.isArray(options.value)) {
      throw this.error(`${options.path || 'the config'} must be a mapping of keys to values`);
    }
    this.value = options.value as Record<string, unknown>;
  }

  /** Throws on keys the schema does not know: a misspelt key must not be silently ignored. */
  allowKeys(keys: readonly string[]): void {
    for (const key of Object.keys(this.value)) {
      if (!keys.includes(key)) {
        throw this.error(`unknown key '${this.key(key)}' (allowed: ${keys.join(', ')})`);
      }
    }
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  child(key: string): ConfigReader | undefined {
    if (!this.has(key)) return undefined;
    return new ConfigReader({ file: this.file, path: this.key(key), value: this.value[key] });
  }

  string(key: string): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || v.trim() === '')
      throw this.error(`'${this.key(key)}' must be a non-empty string`);
    return v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined) throw this.error(`'${this.key(key)}' is required`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw this.error(`'${this.key(key)}' must be one of ${allowed.join(', ')}, got '${v}'`);
    }
    return v as T;
  }

  number(key: string, range: { min: number; max: number }): number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < range.min || v > range.max) {
      throw this.error(`'${this.key(key)}' must be a number from ${range.min} to ${range.max}`);
    }
    return v;
  }

  stringList(key: string): string[] | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    return toStringList(v, () => this.error(`'${this.key(key)}' must be a list of strings`));
  }

  /** A string or a list of strings, always returned as a list. */
  stringOrList(key: string): string[] | undefined {
    const v = this.value[key];
    return typeof v === 'string' ? [this.requiredString(key)] : this.stringList(key);
  }

  /** Throws when a list names the same item twice. */
  assertUnique(key: string, items: readonly string[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item)) throw this.error(`'${this.key(key)}' names '${item}' twice`);
      seen.add(item);
    }
  }

  keys(): string[] {
    return Object.keys(this.value);
  }

  key(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  error(reason: string): SiteDataError {
    return new SiteDataError({ file: this.file, reason });
  }
}

/** Validates a YAML list of scalars as strings (numbers are allowed and stringified). */
export function toStringList(v: unknown, fail: () => Error): string[] {
  if (!Array.isArray(v)) throw fail();
  return v.map((item: unknown) => {
    if (typeof item === 'number') return String(item);
    if (typeof item !== 'string' || item.trim() === '') throw fail();
    return item;
  });
}
