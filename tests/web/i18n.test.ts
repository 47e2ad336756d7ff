import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../protocols/index.js';
import { publishProtocol } from '../../protocols/publish.js';
import { SchemaFields, type JsonSchema } from '../../src/web/forms.js';
import { CATALOGUES } from '../../locales/catalogue.js';
import { humanise, valueLabel } from '../../src/web/i18n.js';

/** Every string an event form offers as a choice, from the protocols as the API publishes them. */
function choicesOf(schema: JsonSchema | undefined, into: Set<string>): Set<string> {
  if (!schema) return into;
  const consts = schema.anyOf?.map((option) => option.const);
  for (const value of [...(schema.enum ?? []), ...(consts ?? [])]) if (typeof value === 'string') into.add(value);
  for (const property of Object.values(schema.properties ?? {})) choicesOf(property, into);
  choicesOf(schema.items, into);
  return into;
}

const published = Object.values(PROTOCOLS).map((definition) => publishProtocol(definition) as unknown as { states: Record<string, { on: Record<string, { data: JsonSchema }> }> });
const choices = new Set<string>();
for (const protocol of published) for (const state of Object.values(protocol.states)) for (const transition of Object.values(state.on)) choicesOf(transition.data, choices);

describe('web workspace: option labels in both languages', () => {
  it('finds the protocols’ choices (the walk itself works)', () => {
    expect(choices).toContain('negative');
    expect(choices).toContain('moved_on_stable_housing');
    expect(choices.size).toBeGreaterThan(40);
  });

  it('has a Russian and an English label for every choice in every event form, none merely humanised', () => {
    // Each locale's own catalogue (locales/en.json, ru.json), not the fallback: a Russian label must be in ru.json.
    const label = (locale: 'en' | 'ru', value: string) => CATALOGUES[locale][`value.${value}`];
    const untranslated = [...choices].filter((value) => !label('en', value) || !label('ru', value) || label('ru', value) === humanise(value));
    expect(untranslated).toEqual([]);
  });

  it('renders a Russian form’s options in Russian', () => {
    const html = String(
      SchemaFields({
        prefix: 'ev',
        lang: 'ru',
        organisations: [],
        schema: { type: 'object', required: ['result'], properties: { result: { type: 'string', enum: ['negative', 'positive', 'missed', 'refused'] } } },
      }),
    );
    expect(html).toContain('>Отрицательный</option>');
    expect(html).not.toContain('>Negative</option>');
    expect(valueLabel('never_heard_of', 'ru')).toBe('Never heard of'); // the fallback, for values outside the protocols
  });
});
