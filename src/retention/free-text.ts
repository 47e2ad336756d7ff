import { z } from 'zod';
import { PROTOCOLS } from '../../protocols/index.js';

/**
 * What erasure keeps of a case's data and of its history's event data: the codes, not the words.
 * A value stays when it is a number, a yes/no, an ISO date or date-time, an id, or one of the
 * values a protocol's data schema enumerates for that field (a drug-test result, a departure
 * reason, a pathway's status, a part's name). Every other string is free text (a note, an
 * address, a phone number, a caseworker's name, a reason in words): `null` in place of a text,
 * left out of a list. The rule does not look at a field's data class, because any text may name
 * the person, and a free-text field a protocol adds later is erased without anyone listing it.
 * What stays is what the open indicators are computed from (dates, outcomes, choices), tied to a
 * reference code with nothing behind it.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
};

const CODED_PATTERNS = [
  /^\d{4}-\d{2}-\d{2}$/,
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
];

/** Each field name's enumerated values, from every data schema of every protocol (and every part name, for `part`). */
function enumeratedValues(): Map<string, Set<string>> {
  const values = new Map<string, Set<string>>();
  const add = (key: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const set = values.get(key) ?? new Set<string>();
    set.add(value);
    values.set(key, set);
  };
  const walk = (schema: JsonSchema, key: string | undefined) => {
    if (key !== undefined) {
      for (const value of schema.enum ?? []) add(key, value);
      if ('const' in schema) add(key, schema.const);
    }
    for (const [name, inner] of Object.entries(schema.properties ?? {})) walk(inner, name);
    const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? []), ...[schema.items ?? []].flat()];
    if (typeof schema.additionalProperties === 'object') nested.push(schema.additionalProperties);
    for (const inner of nested) walk(inner, key);
  };
  for (const definition of Object.values(PROTOCOLS)) {
    const transitions = [...Object.values(definition.states).flatMap((state) => Object.values(state.on ?? {})), ...Object.values(definition.anyState ?? {})];
    for (const schema of [definition.opening.data, ...transitions.map((transition) => transition.data)]) {
      walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, undefined);
    }
    for (const part of Object.keys(definition.parts)) add('part', part);
  }
  return values;
}

let vocabulary: Map<string, Set<string>> | undefined;

function isCoded(key: string | undefined, value: string): boolean {
  if (CODED_PATTERNS.some((pattern) => pattern.test(value))) return true;
  vocabulary ??= enumeratedValues();
  return key !== undefined && vocabulary.get(key)?.has(value) === true;
}

function scrub(key: string | undefined, value: unknown): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return isCoded(key, value) ? value : null;
  if (Array.isArray(value)) return value.map((item) => scrub(key, item)).filter((item) => item !== null);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([inner, innerValue]) => [inner, scrub(inner, innerValue)]));
  return null;
}

/** A case's data or an event's data with its free text erased (the same document when it holds none). */
export function withoutFreeText(data: Record<string, unknown>): Record<string, unknown> {
  return scrub(undefined, data) as Record<string, unknown>;
}
