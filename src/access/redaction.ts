import type { ProtocolDefinition } from '../../protocols/types.js';
import type { DataClass } from '../domain.js';

/**
 * Redaction by data class, in one place. Every path that carries personal data passes it
 * through here with the classes the access policy disclosed. Default deny: a field or event
 * the protocol data does not class is left out.
 */

export type Redacted<T> = { value: T; shown: Set<DataClass>; withheld: boolean };

type Data = Record<string, unknown>;

/** Whether the viewer's parts keep it from a field or event the protocol shows only to some parts (`partsOnly`). */
function kept(definition: ProtocolDefinition, kind: 'fields' | 'events', name: string, viewerParts: readonly string[]): boolean {
  const only = definition.partsOnly;
  return only !== undefined && only[kind].includes(name) && !only.parts.some((part) => viewerParts.includes(part));
}

/** A case's data, with only the fields whose class is disclosed (and the case's own workflow facts) to a viewer filling `viewerParts`. */
export function redactCaseData(definition: ProtocolDefinition, data: Data, visible: ReadonlySet<DataClass>, viewerParts: readonly string[] = []): Redacted<Data> {
  const value: Data = {};
  const shown = new Set<DataClass>();
  let withheld = false;
  for (const [key, field] of Object.entries(data)) {
    if (!Object.hasOwn(definition.fieldClasses, key) || kept(definition, 'fields', key, viewerParts)) {
      withheld = true;
      continue;
    }
    const rule = definition.fieldClasses[key];
    if (rule === null || rule === undefined) {
      value[key] = field;
    } else if (typeof rule === 'string') {
      if (visible.has(rule)) {
        value[key] = field;
        shown.add(rule);
      } else withheld = true;
    } else {
      const nested: Data = {};
      for (const [inner, innerValue] of Object.entries((field ?? {}) as Data)) {
        const innerClass = rule.keys[inner] ?? rule.otherwise;
        if (visible.has(innerClass)) {
          nested[inner] = innerValue;
          shown.add(innerClass);
        } else withheld = true;
      }
      value[key] = nested;
    }
  }
  return { value, shown, withheld };
}

/** The class of one history event's data; `CASE_OPENED` carries the opening data, classed field by field. */
export function redactEventData(definition: ProtocolDefinition, type: string, data: Data, visible: ReadonlySet<DataClass>, viewerParts: readonly string[] = []): Redacted<Data> {
  if (type === 'CASE_OPENED') return redactCaseData(definition, data, visible, viewerParts);
  if (!Object.hasOwn(definition.eventClasses, type) || kept(definition, 'events', type, viewerParts))
    return { value: {}, shown: new Set(), withheld: Object.keys(data).length > 0 };
  const rule = definition.eventClasses[type];
  if (rule === null || rule === undefined) return { value: data, shown: new Set(), withheld: false };
  const dataClass = typeof rule === 'string' ? rule : (rule.values[String(data[rule.field])] ?? rule.otherwise);
  return visible.has(dataClass) ? { value: data, shown: new Set([dataClass]), withheld: false } : { value: {}, shown: new Set(), withheld: Object.keys(data).length > 0 };
}

/** A person's record: only the disclosed classes are present at all. */
export function redactPersonRecord<K extends DataClass>(record: Readonly<Record<K, unknown>>, classes: readonly K[], visible: ReadonlySet<DataClass>): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const dataClass of classes) if (visible.has(dataClass)) out[dataClass] = record[dataClass];
  return out;
}
