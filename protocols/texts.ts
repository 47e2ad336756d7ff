import { ownMessage } from '../locales/catalogue.js';
import type { AlertDefinition, LocalizedText, ProtocolDefinition, TransitionDefinition } from './types.js';

/**
 * A protocol's words live in the translation catalogues (locales/<locale>.json), under
 * `protocol.<id>.title`, `.description`, `.part.<name>`, `.state.<name>`, `.event.<TYPE>` (the
 * event's description), `.deadline.<rule>` and `.alert.<rule>`. The definitions carry only the
 * English, as the default message the English catalogue must match (a test checks it); every
 * other language is the catalogue's. `localise` fills a definition's texts from the catalogues
 * once, at load, so the engine, the published definition and the document read them as before.
 */

/** Every text of a definition with its catalogue key. Events reuse their text in every state they are accepted in. */
export function protocolTexts(definition: ProtocolDefinition): [key: string, text: LocalizedText][] {
  const id = definition.id;
  const out: [string, LocalizedText][] = [
    [`protocol.${id}.title`, definition.title],
    [`protocol.${id}.description`, definition.description],
  ];
  for (const [name, part] of Object.entries(definition.parts)) out.push([`protocol.${id}.part.${name}`, part.title]);
  for (const [name, state] of Object.entries(definition.states)) out.push([`protocol.${id}.state.${name}`, state.title]);
  const events = new Map<string, LocalizedText>();
  const alerts = new Map<string, LocalizedText>();
  const tellsOf = (declared: { tells?: readonly AlertDefinition[] }) => {
    for (const alert of declared.tells ?? []) alerts.set(alert.rule, alert.title);
  };
  const transitions: [string, TransitionDefinition][] = [
    ...Object.values(definition.states).flatMap((state) => Object.entries(state.on ?? {})),
    ...Object.entries(definition.anyState ?? {}),
  ];
  for (const [type, transition] of transitions) {
    const known = events.get(type);
    if (known && known.en !== transition.description.en) throw new Error(`${id}: ${type} is described twice; one description per event`);
    events.set(type, transition.description);
    tellsOf(transition);
  }
  tellsOf(definition.opening);
  if (definition.capacity?.freed) alerts.set(definition.capacity.freed.rule, definition.capacity.freed.title);
  for (const [type, text] of events) out.push([`protocol.${id}.event.${type}`, text]);
  for (const [name, rule] of Object.entries(definition.deadlines)) out.push([`protocol.${id}.deadline.${name}`, rule.title]);
  for (const [rule, text] of alerts) out.push([`protocol.${id}.alert.${rule}`, text]);
  return out;
}

/** Fills each text's Russian from the Russian catalogue (English where it has none yet). */
export function localise<P extends ProtocolDefinition>(definition: P): P {
  for (const [key, text] of protocolTexts(definition)) (text as { ru: string }).ru = ownMessage('ru', key) ?? text.en;
  return definition;
}
