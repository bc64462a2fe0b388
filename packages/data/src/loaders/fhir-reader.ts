import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { SiteDataError } from '../errors.ts';
import { readLines, toSiteDataError } from '../io/line-reader.ts';

/** Where a FHIR resource came from: an NDJSON line or a Bundle entry. */
export interface FhirLocation {
  file: string;
  line?: number;
  entry?: number;
}

/** A FHIR resource as parsed JSON with its location, or why it could not be read. */
export type FhirItem =
  | { ok: true; resource: Record<string, unknown>; at: FhirLocation; fullUrl?: string }
  | { ok: false; at: FhirLocation; reason: string };

/**
 * Yields the resources of a FHIR R4 Bundle (`.json`, parsed whole) or an NDJSON bulk
 * export (`.ndjson`, streamed line by line). A broken NDJSON line is one bad item; a broken
 * Bundle is a file-level error.
 */
export async function* readFhirResources(file: string): AsyncGenerator<FhirItem> {
  const ext = extname(file).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') {
    yield* readNdjson(file);
    return;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw toSiteDataError(file, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SiteDataError({ file, reason: `invalid JSON: ${(error as Error).message}` });
  }
  if (!isObject(json)) throw new SiteDataError({ file, reason: 'expected a FHIR Bundle or resource object' });
  if (json.resourceType !== 'Bundle') {
    yield { ok: true, resource: json, at: { file } };
    return;
  }
  const entries = json.entry ?? [];
  if (!Array.isArray(entries)) throw new SiteDataError({ file, reason: 'Bundle.entry must be an array' });
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    const at = { file, entry: i + 1 };
    if (!isObject(e) || !isObject(e.resource)) {
      yield { ok: false, at, reason: 'Bundle entry has no resource' };
      continue;
    }
    const fullUrl = typeof e.fullUrl === 'string' ? e.fullUrl : undefined;
    yield fullUrl === undefined
      ? { ok: true, resource: e.resource, at }
      : { ok: true, resource: e.resource, at, fullUrl };
  }
}

async function* readNdjson(file: string): AsyncGenerator<FhirItem> {
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    const at = { file, line };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      yield { ok: false, at, reason: `invalid JSON: ${(error as Error).message}` };
      continue;
    }
    if (isObject(json)) yield { ok: true, resource: json, at };
    else yield { ok: false, at, reason: 'line is not a JSON object' };
  }
}

/** Narrows an unknown JSON value to a plain object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
