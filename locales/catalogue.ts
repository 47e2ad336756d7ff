import IntlMessageFormat from 'intl-messageformat';
import en from './en.json' with { type: 'json' };
import kk from './kk.json' with { type: 'json' };
import ky from './ky.json' with { type: 'json' };
import ru from './ru.json' with { type: 'json' };
import tg from './tg.json' with { type: 'json' };
import tk from './tk.json' with { type: 'json' };
import uz from './uz.json' with { type: 'json' };
import status from './status.json' with { type: 'json' };

/**
 * The service's words: one catalogue per locale, `locales/<locale>.json`, used by the web
 * workspace, the e-mail templates and (as the lead moves them) the protocols' titles.
 *
 * A catalogue is one flat JSON object, `"key": "message"`: keys are dot-separated names
 * (`web.signIn`, `value.negative`, `mail.kind.reminder`, `protocol.<id>.state.<name>`), values
 * are ICU MessageFormat (`"Signed in as {name}, {organisation}"`, plurals as
 * `{count, plural, one {# bed} other {# beds}}`), formatted by FormatJS's intl-messageformat.
 * This is the flat "key → ICU message" JSON that FormatJS and i18next read and translation tools
 * import. Tags (`<b>`) are not parsed: a message is plain text, escaped where it is used.
 *
 * English is the source: its keys are the type `MessageKey`, so a key misspelt in code fails the
 * typecheck. A key a catalogue lacks (or leaves empty) falls back to Russian, then English: the
 * region's common language first, as the service always did for Kazakh, Kyrgyz, Uzbek, Tajik and
 * Turkmen. `npm run i18n:coverage` shows how far each locale is translated.
 */
export const LOCALES = ['en', 'ru', 'kk', 'ky', 'uz', 'tg', 'tk'] as const;
export type Locale = (typeof LOCALES)[number];
export type MessageKey = keyof typeof en;
export type Catalogue = Readonly<Partial<Record<string, string>>>;
/** Values for a message's `{placeholders}`. */
export type MessageValues = Readonly<Record<string, string | number | Date>>;

export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, ru, kk, ky, uz, tg, tk };

export const isLocale = (value: string): value is Locale => (LOCALES as readonly string[]).includes(value);

/**
 * Who has checked a catalogue (locales/status.json): `source` (English, the text everything is
 * translated from), `reviewed` (a native speaker has checked it: Russian), or `unreviewed` (drafted,
 * every message, but no native speaker has checked it yet: Kazakh, Kyrgyz, Uzbek, Tajik, Turkmen).
 * Nothing is sent to people in an unreviewed language: e-mail takes a locale only once it is
 * reviewed (notifications/templates.ts), and the workspace offers English and Russian. A reviewer
 * who has checked a catalogue sets its status to `reviewed`.
 */
export const REVIEW_STATUSES = ['source', 'reviewed', 'unreviewed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW: Readonly<Record<Locale, ReviewStatus>> = Object.fromEntries(
  LOCALES.map((locale) => {
    const value: unknown = (status as Record<string, unknown>)[locale];
    if (!(REVIEW_STATUSES as readonly unknown[]).includes(value)) throw new Error(`locales/status.json: ${locale} must be one of ${REVIEW_STATUSES.join(', ')}`);
    return [locale, value as ReviewStatus];
  }),
) as Record<Locale, ReviewStatus>;

/** May people be shown this locale's own words: the source, or a catalogue a native speaker has checked? */
export const isReviewed = (locale: Locale) => REVIEW[locale] !== 'unreviewed';

/** Where a message is looked for: the locale itself, then Russian, then English. */
export function fallbacks(locale: Locale): readonly Locale[] {
  if (locale === 'en') return ['en'];
  if (locale === 'ru') return ['ru', 'en'];
  return [locale, 'ru', 'en'];
}

/** A locale's own message for a key (no fallback), or undefined when it has none (an empty string is none). */
export function ownMessage(locale: Locale, key: string): string | undefined {
  const catalogue = CATALOGUES[locale];
  const message = Object.hasOwn(catalogue, key) ? catalogue[key] : undefined;
  return message ? message : undefined;
}

/** The message for a key along the fallback chain, with the locale it was found in. */
export function lookup(locale: Locale, key: string): { locale: Locale; message: string } | undefined {
  for (const candidate of fallbacks(locale)) {
    const message = ownMessage(candidate, key);
    if (message !== undefined) return { locale: candidate, message };
  }
  return undefined;
}

const compiled = new Map<string, IntlMessageFormat>();

/** Parses an ICU message (throws on a syntax error); tags are text. */
export const compile = (message: string, locale: Locale) => new IntlMessageFormat(message, locale, undefined, { ignoreTag: true });

function format(found: { locale: Locale; message: string }, key: string, values: MessageValues | undefined): string {
  const cacheKey = `${found.locale}\u0000${key}`;
  let formatter = compiled.get(cacheKey);
  if (!formatter) {
    formatter = compile(found.message, found.locale);
    compiled.set(cacheKey, formatter);
  }
  const result = formatter.format<string>(values);
  return Array.isArray(result) ? result.join('') : String(result);
}

/** A message in the locale (or its fallback), its placeholders filled from `values`. */
export function t(locale: Locale, key: MessageKey, values?: MessageValues): string {
  const found = lookup(locale, key);
  return found ? format(found, key, values) : key;
}

/** A message whose key is built at run time (an enum value, a role, a field): undefined when no catalogue has it. */
export function tMaybe(locale: Locale, key: string, values?: MessageValues): string | undefined {
  const found = lookup(locale, key);
  return found ? format(found, key, values) : undefined;
}

/** `t` bound to one locale, as pages use it: `const t = translator(lang); t('web.signIn')`. */
export function translator(locale: Locale) {
  return (key: MessageKey, values?: MessageValues): string => t(locale, key, values);
}
export type Translate = ReturnType<typeof translator>;

/** Does the locale's own catalogue have every English key under `prefix` (e.g. `mail.`)? */
export function covers(locale: Locale, prefix: string): boolean {
  return Object.keys(en).every((key) => !key.startsWith(prefix) || ownMessage(locale, key) !== undefined);
}

/** How far a locale is translated: English keys it has a message for, of all English keys. */
export function coverage(locale: Locale): { translated: number; total: number; missing: string[] } {
  const keys = Object.keys(en);
  const missing = keys.filter((key) => ownMessage(locale, key) === undefined);
  return { translated: keys.length - missing.length, total: keys.length, missing };
}

type Element = ReturnType<IntlMessageFormat['getAst']>[number];

/** The names of a message's placeholders (arguments, numbers, dates, selects, plurals), sorted. */
export function placeholdersOf(message: string, locale: Locale = 'en'): string[] {
  const names = new Set<string>();
  const walk = (elements: readonly Element[]) => {
    for (const element of elements) {
      // 0 is a literal and 7 a `#`, which carry no name; every other element names its argument.
      if (element.type !== 0 && element.type !== 7 && 'value' in element && typeof element.value === 'string') names.add(element.value);
      if ('options' in element) for (const option of Object.values(element.options)) walk(option.value);
      if ('children' in element) walk(element.children);
    }
  };
  walk(compile(message, locale).getAst());
  return [...names].sort();
}

/**
 * The protocols' words. Keys: `protocol.<id>.title`, `protocol.<id>.description`,
 * `protocol.<id>.state.<name>`, `protocol.<id>.event.<TYPE>`, `protocol.<id>.part.<name>`,
 * `protocol.<id>.deadline.<rule>`, `protocol.<id>.alert.<rule>`.
 */
export type ProtocolTextKey = `protocol.${string}.${'title' | 'description'}` | `protocol.${string}.${'state' | 'event' | 'part' | 'deadline' | 'alert'}.${string}`;

export const protocolKey = {
  title: (protocol: string): ProtocolTextKey => `protocol.${protocol}.title`,
  description: (protocol: string): ProtocolTextKey => `protocol.${protocol}.description`,
  state: (protocol: string, state: string): ProtocolTextKey => `protocol.${protocol}.state.${state}`,
  event: (protocol: string, type: string): ProtocolTextKey => `protocol.${protocol}.event.${type}`,
  part: (protocol: string, part: string): ProtocolTextKey => `protocol.${protocol}.part.${part}`,
  deadline: (protocol: string, rule: string): ProtocolTextKey => `protocol.${protocol}.deadline.${rule}`,
  alert: (protocol: string, rule: string): ProtocolTextKey => `protocol.${protocol}.alert.${rule}`,
};

/** The `{ en, ru }` texts the protocol definitions carry today (protocols/types.ts, `LocalizedText`). */
export type DataText = { readonly en: string; readonly ru: string };

/**
 * A protocol's text: the catalogue's message when a catalogue has the key, else the text in the
 * protocol's data (English for English, Russian for every other locale, as before), else undefined.
 * One function for every reader, so the texts can move from the data into the catalogues without
 * touching the pages or the templates.
 */
export function protocolText(locale: Locale, key: ProtocolTextKey, data?: DataText | undefined): string | undefined {
  return tMaybe(locale, key) ?? data?.[locale === 'en' ? 'en' : 'ru'];
}
