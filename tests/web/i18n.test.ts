import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../protocols/index.js';
import { publishProtocol } from '../../protocols/publish.js';
import { SchemaFields, type JsonSchema } from '../../src/web/forms.js';
import { CATALOGUES } from '../../locales/catalogue.js';
import { GUARDS } from '../../protocols/registry.js';
import { protocolTexts } from '../../protocols/texts.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { SERVICE_TEXTS } from '../../protocols/vocabulary.js';
import { COUNTRIES, ORGANISATION_KINDS } from '../../src/domain.js';
import { ERROR_CODES } from '../../src/errors.js';
import { INDICATORS } from '../../src/indicators/definitions.js';
import { CLASS_SCHEMAS } from '../../src/participants/schemas.js';
import { eventLabel, fieldLabel, humanise, valueLabel } from '../../src/web/i18n.js';
import { fieldErrorsOf, problemMessage } from '../../src/web/problem.js';
import { valueText } from '../../src/web/values.js';

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

describe('web workspace: every name a page shows, in both languages', () => {
  /** Keys a page reads, each of which both the English and the Russian catalogue must have themselves. */
  const missingFrom = (keys: Iterable<string>) => [...keys].filter((key) => !CATALOGUES.en[key] || !CATALOGUES.ru[key]);
  const eventTypes = (definition: ProtocolDefinition) =>
    protocolTexts(definition).flatMap(([key]) => (key.startsWith(`protocol.${definition.id}.event.`) ? [key.slice(`protocol.${definition.id}.event.`.length)] : []));

  it('names every event of every protocol, and the opening of a case', () => {
    const unnamed = Object.values(PROTOCOLS).flatMap((definition) =>
      eventTypes(definition).filter((type) => !(CATALOGUES.en[`event.${definition.id}.${type}`] ?? CATALOGUES.en[`event.${type}`])),
    );
    expect(unnamed).toEqual([]);
    const eventKeys = Object.keys(CATALOGUES.en).filter((key) => key.startsWith('event.'));
    expect(missingFrom(eventKeys)).toEqual([]);
    expect(eventKeys).toContain('event.CASE_OPENED');
    expect(eventLabel('patronage', 'DECLINED', 'ru')).toBe(CATALOGUES.ru['event.patronage.DECLINED']);
    expect(eventLabel('court-ordered-treatment', 'DRUG_TEST_RECORDED', 'ru')).toBe(CATALOGUES.ru['event.DRUG_TEST_RECORDED']);
  });

  it('labels every field of every event form, every case’s opening data and every class of a person’s data', () => {
    const fields = new Set<string>();
    const walk = (schema: JsonSchema | undefined) => {
      for (const [name, property] of Object.entries(schema?.properties ?? {})) {
        fields.add(name);
        walk(property);
        walk(property.items);
      }
    };
    for (const definition of Object.values(PROTOCOLS)) {
      const shown = publishProtocol(definition) as unknown as { opening: { data: JsonSchema }; states: Record<string, { on: Record<string, { data: JsonSchema }> }> };
      walk(shown.opening.data);
      for (const state of Object.values(shown.states)) for (const transition of Object.values(state.on)) walk(transition.data);
    }
    for (const schema of Object.values(CLASS_SCHEMAS)) for (const name of Object.keys(schema.shape)) fields.add(name);
    expect(fields.size).toBeGreaterThan(60);
    expect(missingFrom([...fields].map((name) => `field.${name}`))).toEqual([]);
    expect(fieldLabel('lastName', 'ru')).toBe('Фамилия');
  });

  it('names every organisation kind, country, error code, protocol guard and indicator', () => {
    expect(missingFrom(ORGANISATION_KINDS.map((kind) => `kind.${kind}`))).toEqual([]);
    expect(missingFrom(COUNTRIES.map((country) => `country.${country}`))).toEqual([]);
    expect(missingFrom(ERROR_CODES.map((code) => `problem.${code}`))).toEqual([]);
    expect(missingFrom(Object.keys(GUARDS).map((name) => `guard.${name}`))).toEqual([]);
    expect(missingFrom(INDICATORS.map((indicator) => `indicator.${indicator.id}`))).toEqual([]);
    // An indicator's English is its definition's; its Russian is the catalogue's, as the API publishes it.
    for (const indicator of INDICATORS) {
      expect(CATALOGUES.en[`indicator.${indicator.id}`], indicator.id).toBe(indicator.title.en);
      expect(indicator.title.ru, indicator.id).toBe(CATALOGUES.ru[`indicator.${indicator.id}`]);
    }
  });

  it('has every text the service writes into case data, by its English, so a page shows it in the reader’s language', () => {
    for (const [name, text] of Object.entries(SERVICE_TEXTS)) {
      expect(CATALOGUES.en[`text.${name}`], name).toBe(text);
      expect(CATALOGUES.ru[`text.${name}`], name).toBeTruthy();
    }
    expect(Object.keys(CATALOGUES.en).filter((key) => key.startsWith('text.'))).toHaveLength(Object.keys(SERVICE_TEXTS).length);
    const ctx = { lang: 'ru' as const, tz: 'Asia/Almaty', organisations: new Map([['o1', 'Суд №2']]), units: new Map([['u1', 'Атлантис-1']]) };
    expect(valueText('reason', SERVICE_TEXTS.releaseDateChanged, ctx)).toBe(CATALOGUES.ru['text.releaseDateChanged']);
    expect(valueText('courtOrganisationId', 'o1', ctx)).toBe('Суд №2');
    expect(valueText('unitId', 'u1', ctx)).toBe('Атлантис-1');
    expect(valueText('unitId', 'u2', ctx)).toBe(CATALOGUES.ru['web.notShown']);
    expect(valueText('status', 'not_started', ctx)).toBe('Не начато');
    expect(valueText('reoffending', false, ctx)).toBe('нет');
    expect(valueText('date', '2026-03-02', ctx)).toBe('2 мар. 2026 г.');
  });

  it('says what the API refused in Russian, and keeps the API’s own words in English', () => {
    const refusal = {
      title: 'The request is not valid',
      status: 422,
      code: 'VALIDATION_FAILED',
      detail: 'The data of ADMITTED is not valid.',
      errors: [
        { path: 'data.date', message: 'Invalid input' },
        { path: 'data.note', message: 'Too big' },
      ],
    };
    expect(problemMessage(refusal, 'en')).toBe('The data of ADMITTED is not valid.');
    expect(problemMessage(refusal, 'en', { fieldErrors: true })).toBe('Invalid input Too big');
    expect(problemMessage(refusal, 'ru')).toBe(CATALOGUES.ru['problem.VALIDATION_FAILED']);
    expect(problemMessage(refusal, 'ru', { fieldErrors: true })).toBe('Проверьте: Дата, Заметка.');
    expect(problemMessage({ ...refusal, code: 'CAPACITY_FULL', guard: 'bedFreeOnArrival', errors: undefined }, 'ru')).toBe(CATALOGUES.ru['guard.bedFreeOnArrival']);
    expect(fieldErrorsOf(refusal, 'en')).toEqual({ date: 'Invalid input', note: 'Too big' });
    expect(fieldErrorsOf(refusal, 'ru', { date: '', note: 'x'.repeat(2000) })).toEqual({ date: CATALOGUES.ru['web.fieldRequired'], note: CATALOGUES.ru['web.fieldInvalid'] });
  });
});
