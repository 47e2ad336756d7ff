import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { fieldErrors, type FieldError } from '../../protocols/field-errors.js';
import { AppError } from '../errors.js';
import { isUuid } from '../uuid.js';

/**
 * The one rule for text in requests: no NUL character (U+0000) and no unpaired UTF-16
 * surrogate (U+D800–U+DFFF without its partner). PostgreSQL cannot store either (NUL is
 * refused in text and jsonb, a lone surrogate escape is refused in jsonb and would become
 * U+FFFD in text), so they are refused at the door with 422 and the field's path.
 */
/* eslint-disable no-control-regex -- NUL is exactly what these look for */
const UNSTORABLE = /[\u0000\ud800-\udfff]/u; // with the u flag a surrogate pair is one code point: only lone halves match
const UNSTORABLE_ALL = /[\u0000\ud800-\udfff]/gu;
/* eslint-enable no-control-regex */

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

export const UNSTORABLE_TEXT_MESSAGE = 'Contains a NUL character (U+0000) or an unpaired surrogate (U+D800–U+DFFF), which text here may not hold.';

/** A path segment that is safe to echo back: the offending characters become U+FFFD. */
const printable = (segment: string) => segment.replace(UNSTORABLE_ALL, '\uFFFD');

/**
 * Every string in a validated request value, and every object key, at any depth (free-form
 * objects such as a case event's `data` included): one error per unstorable one, with its path.
 */
export function unstorableText(value: unknown, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: unknown, path: string[], depth: number) => {
    if (typeof node === 'string') {
      if (!isStorableText(node)) errors.push({ path: [prefix, ...path].join('.'), message: UNSTORABLE_TEXT_MESSAGE });
      return;
    }
    if (node === null || typeof node !== 'object' || depth > 64) return;
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, String(index)], depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(node)) {
      if (!isStorableText(key)) errors.push({ path: [prefix, ...path, printable(key)].join('.'), message: UNSTORABLE_TEXT_MESSAGE });
      visit(item, [...path, printable(key)], depth + 1);
    }
  };
  visit(value, [], 0);
  return errors;
}

/**
 * UUIDs are case-insensitive on input (RFC 9562, section 4) and the service compares them as
 * strings (`organisationId === actor.organisation.id`), so every UUID-shaped string in a
 * validated request is put in its canonical lower case, in place, before any handler sees it:
 * an upper-case id cannot slip past a comparison that its lower-case twin would fail.
 */
export function canonicalUuids(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 64) return;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof item === 'string') {
      if (isUuid(item) && item !== item.toLowerCase()) (value as Record<string | number, unknown>)[key] = item.toLowerCase();
    } else canonicalUuids(item, depth + 1);
  }
}

const TARGET_NAMES: Record<string, string> = { json: 'body', param: 'param', query: 'query' };

/**
 * The validation hook of every route (the app's `defaultHook`): a zod failure becomes one
 * problem+json 422, and so does any unstorable text in what zod accepted. Strings zod
 * refused are already errors; strings it let through (free-form objects, record keys,
 * plain `z.string()` fields, path and query parameters) all pass this one check.
 */
export const validationHook: Hook<unknown, AppEnv, string, undefined> = (result) => {
  const target = TARGET_NAMES[result.target] ?? result.target;
  if (!result.success) {
    throw new AppError('VALIDATION_FAILED', `The request ${target} is not valid.`, { errors: fieldErrors(result.error.issues, target) });
  }
  const errors = unstorableText(result.data, target);
  if (errors.length > 0) throw new AppError('VALIDATION_FAILED', `The request ${target} is not valid.`, { errors });
  canonicalUuids(result.data);
  return undefined;
};
