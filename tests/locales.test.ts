import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUES,
  compile,
  coverage,
  covers,
  fallbacks,
  isReviewed,
  LOCALES,
  lookup,
  placeholdersOf,
  protocolKey,
  protocolText,
  REVIEW,
  t,
  tMaybe,
  translator,
  type Locale,
} from '../locales/catalogue.js';
import { coverageTable, missingList } from '../locales/coverage.js';
import { LOCALES as ORGANISATION_LOCALES } from '../src/domain.js';

/** The translation catalogues (locales/*.json): complete where they must be, well-formed everywhere. */
const en = CATALOGUES.en;
const entries = (locale: Locale) => Object.entries(CATALOGUES[locale]) as [string, unknown][];

describe('the translation catalogues', () => {
  it('has one catalogue for every locale an organisation may have', () => {
    expect([...LOCALES].sort()).toEqual([...ORGANISATION_LOCALES].sort());
  });

  it('holds only flat string messages, and only keys English has', () => {
    for (const locale of LOCALES) {
      expect(entries(locale).filter(([, message]) => typeof message !== 'string')).toEqual([]);
      expect(
        Object.keys(CATALOGUES[locale]).filter((key) => !Object.hasOwn(en, key)),
        `${locale}.json has keys en.json lacks`,
      ).toEqual([]);
    }
  });

  it('is complete in English and Russian', () => {
    expect(Object.keys(en).length).toBeGreaterThan(200);
    expect(coverage('ru').missing).toEqual([]);
    expect(entries('en').filter(([, message]) => message === '')).toEqual([]);
  });

  it('has a draft of every message in Kazakh, Kyrgyz, Uzbek, Tajik and Turkmen, each marked unreviewed until a native speaker checks it', () => {
    expect(REVIEW).toEqual({ en: 'source', ru: 'reviewed', kk: 'unreviewed', ky: 'unreviewed', uz: 'unreviewed', tg: 'unreviewed', tk: 'unreviewed' });
    for (const locale of ['kk', 'ky', 'uz', 'tg', 'tk'] as const) {
      expect(coverage(locale).missing, `${locale}.json lacks these keys (npm run i18n:coverage -- --missing ${locale})`).toEqual([]);
      // A draft is a translation, not the English or the Russian copied in: a few words are the same in both
      // (loanwords such as Судья, Программа, Диагноз; names and codes), never a tenth of the catalogue.
      const copied = entries(locale).filter(([key, message]) => /\p{L}{4}/u.test(String(message)) && (message === en[key] || message === CATALOGUES.ru[key]));
      expect(copied.length, `${locale}: ${copied.map(([key]) => key).join(', ')}`).toBeLessThan(Object.keys(en).length / 10);
      expect(isReviewed(locale)).toBe(false);
    }
    expect(isReviewed('en') && isReviewed('ru')).toBe(true);
  });

  it('parses every message as ICU MessageFormat, with the same placeholders as English', () => {
    for (const locale of LOCALES) {
      for (const [key, message] of entries(locale)) {
        if (typeof message !== 'string' || message === '') continue;
        expect(() => compile(message, locale), `${locale}: ${key}`).not.toThrow();
        expect(placeholdersOf(message, locale), `${locale}: ${key}`).toEqual(placeholdersOf(en[key]!));
      }
    }
  });

  it('prints a message without placeholders exactly as written (no ICU quoting changes it)', () => {
    for (const locale of LOCALES) {
      for (const [key, message] of entries(locale)) {
        if (typeof message === 'string' && placeholdersOf(message, locale).length === 0) expect(tMaybe(locale, key), `${locale}: ${key}`).toBe(message);
      }
    }
  });

  it('finds the placeholders of arguments, selects and plurals', () => {
    expect(placeholdersOf('Signed in as {name}, {organisation}')).toEqual(['name', 'organisation']);
    expect(placeholdersOf('{count, plural, one {# bed in {unit}} other {# beds}} {kind, select, a {A} other {B}}')).toEqual(['count', 'kind', 'unit']);
    expect(placeholdersOf('Plain text')).toEqual([]);
  });
});

describe('translating', () => {
  it('fills placeholders, with the locale’s plural rules', () => {
    expect(t('en', 'web.signedInAs', { name: 'Judge', organisation: 'Court 1' })).toBe('Signed in as Judge, Court 1');
    expect(t('ru', 'web.bedTile', { number: 3, status: 'Свободно' })).toBe('Место 3: Свободно');
    const beds = compile('{n, plural, one {# место} few {# места} many {# мест} other {# места}}', 'ru');
    expect([1, 2, 5, 21].map((n) => beds.format({ n }))).toEqual(['1 место', '2 места', '5 мест', '21 место']);
  });

  it('falls back from the other locales to Russian, and from Russian to English', () => {
    expect(fallbacks('kk')).toEqual(['kk', 'ru', 'en']);
    expect(fallbacks('ru')).toEqual(['ru', 'en']);
    expect(fallbacks('en')).toEqual(['en']);
    for (const locale of ['kk', 'ky', 'uz', 'tg', 'tk'] as const) {
      const found = lookup(locale, 'web.signIn');
      expect(found?.locale === locale || found?.message === CATALOGUES.ru['web.signIn']).toBe(true);
    }
    expect(translator('en')('web.signIn')).toBe('Sign in');
    expect(tMaybe('ru', 'value.no_such_value')).toBeUndefined();
    expect(tMaybe('ru', 'value.__proto__')).toBeUndefined();
  });

  it('knows whether a locale has every e-mail text', () => {
    expect(covers('en', 'mail.')).toBe(true);
    expect(covers('ru', 'mail.')).toBe(true);
    expect(covers('kk', 'mail.')).toBe(Object.keys(en).every((key) => !key.startsWith('mail.') || Boolean(CATALOGUES.kk[key])));
  });

  it('rejects a misspelt key at typecheck', () => {
    // @ts-expect-error: not a key of locales/en.json (tsc fails if this line ever typechecks)
    expect(t('en', 'web.singIn')).toBe('web.singIn');
  });
});

describe('protocol texts', () => {
  it('prefer the catalogue and fall back to the protocol’s own data', () => {
    const data = { en: 'From the data', ru: 'Из данных' };
    expect(protocolText('ru', protocolKey.alert('halfway-house', 'relapse'), data)).toBe(CATALOGUES.ru['protocol.halfway-house.alert.relapse']);
    expect(protocolText('en', protocolKey.state('no-such-protocol', 'open'), data)).toBe('From the data');
    expect(protocolText('ru', protocolKey.state('no-such-protocol', 'open'), data)).toBe('Из данных');
    expect(protocolText('kk', protocolKey.state('no-such-protocol', 'open'), data)).toBe('Из данных');
    expect(protocolText('ru', protocolKey.state('no-such-protocol', 'open'))).toBeUndefined();
  });

  it('name their keys protocol.<id>.<kind>.<name>', () => {
    expect([
      protocolKey.title('patronage'),
      protocolKey.description('patronage'),
      protocolKey.state('patronage', 'active'),
      protocolKey.event('patronage', 'CONTACT_RECORDED'),
      protocolKey.part('patronage', 'ngo'),
      protocolKey.deadline('patronage', 'contact_due'),
      protocolKey.alert('patronage', 'x'),
    ]).toEqual([
      'protocol.patronage.title',
      'protocol.patronage.description',
      'protocol.patronage.state.active',
      'protocol.patronage.event.CONTACT_RECORDED',
      'protocol.patronage.part.ngo',
      'protocol.patronage.deadline.contact_due',
      'protocol.patronage.alert.x',
    ]);
  });
});

describe('npm run i18n:coverage', () => {
  it('prints a row a locale, English and Russian complete, and lists a locale’s missing keys with their English text', () => {
    const total = Object.keys(en).length;
    const lines = coverageTable().trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['| locale | translated / total | coverage | review |', '|---|---|---|---|']);
    expect(lines.slice(2).map((line) => line.split(' | ')[0])).toEqual(LOCALES.map((locale) => `| ${locale}`));
    expect(lines).toContain(`| en | ${total} / ${total} | 100% | source |`);
    expect(lines).toContain(`| ru | ${total} / ${total} | 100% | reviewed |`);
    expect(lines).toContain(`| kk | ${total} / ${total} | 100% | drafted, unreviewed |`);
    expect(missingList('ru')).toBe('');
    // The README's copy of the table says each locale's review status as the command does (its counts move with every new key).
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const line of lines.slice(2))
      expect(readme, line).toMatch(new RegExp(`^\\| ${line.split(' | ')[0]!.slice(2)} \\| \\d+ / \\d+ \\| [\\d.]+% \\| ${line.split(' | ')[3]!.replace(' |', '')} \\|$`, 'm'));
    const kk = coverage('kk');
    expect(missingList('kk').split('\n').filter(Boolean)).toHaveLength(kk.missing.length);
    if (kk.missing[0]) expect(missingList('kk')).toContain(`${kk.missing[0]}\t${en[kk.missing[0]]}\n`);
  });
});
