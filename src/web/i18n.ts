import { protocolKey, protocolText, tMaybe, translator, type Locale, type Translate } from '../../locales/catalogue.js';
import { protocolById } from '../../protocols/index.js';
import { zoneOffsetMinutes } from '../../protocols/time.js';

/**
 * The workspace's language. Its words are in the translation catalogues (locales/<locale>.json,
 * read through locales/catalogue.ts): pages take `const t = translator(lang)` and write
 * `t('web.signIn')`. An organisation's locale picks the language (Kazakh, Kyrgyz, Tajik, Turkmen
 * and Uzbek show Russian, as the notifications do, until the pages are offered in them); the
 * `lang` cookie, set by the switch in the header, overrides it.
 */
export type Lang = Extract<Locale, 'en' | 'ru'>;
export const LANGS: readonly Lang[] = ['en', 'ru'];

export { translator, type Translate };

/** A protocol's title in the reader's language. */
export function protocolTitle(protocol: string, lang: Lang): string | undefined {
  return protocolText(lang, protocolKey.title(protocol), protocolById(protocol)?.title);
}

/** A case state as the protocol names it, in the reader's language. */
export function stateLabel(protocol: string, state: string, lang: Lang): string {
  const definition = protocolById(protocol);
  const title = definition && Object.hasOwn(definition.states, state) ? definition.states[state]?.title : undefined;
  return protocolText(lang, protocolKey.state(protocol, state), title) ?? humanise(state);
}

/**
 * An enum value of the protocols (event form options, pathways, phases, programmes) in the
 * reader's language: the catalogue's `value.<value>`, the humanised value only for one with no
 * entry. tests/web/i18n.test.ts walks every published event schema and fails when a value has no
 * entry, so a new enum value cannot reach a Russian page in English.
 */
export const valueLabel = (value: string, lang: Lang) => tMaybe(lang, `value.${value}`) ?? humanise(value);

export const roleName = (role: string, lang: Lang) => tMaybe(lang, `role.${role}`) ?? humanise(role);

/**
 * An event type (`DRUG_TEST_RECORDED`) as people name it: the catalogue's `event.<protocol>.<TYPE>`
 * where one protocol means something of its own by it (a declined referral, a declined handover),
 * else `event.<TYPE>`.
 */
export const eventLabel = (protocol: string, type: string, lang: Lang) => tMaybe(lang, `event.${protocol}.${type}`) ?? tMaybe(lang, `event.${type}`) ?? humanise(type);

/** A part of a protocol's case (`provider`, `ngo`) as the protocol names it. */
export function partLabel(protocol: string, part: string, lang: Lang): string {
  const definition = protocolById(protocol);
  const title = definition && Object.hasOwn(definition.parts, part) ? definition.parts[part]?.title : undefined;
  return protocolText(lang, protocolKey.part(protocol, part), title) ?? humanise(part);
}

/** An organisation kind (`halfway_house`): the catalogue's `kind.<kind>`. */
export const kindLabel = (kind: string, lang: Lang) => tMaybe(lang, `kind.${kind}`) ?? humanise(kind);

/** A country code (`KZ`) as the reader names the country: the catalogue's `country.<code>`. */
export const countryName = (code: string, lang: Lang) => tMaybe(lang, `country.${code}`) ?? code;

/**
 * A data field's name (`firstName`, `expectedArrivalDate`): the catalogue's `field.<name>`; a key that is
 * itself an enum value (a pathway's name in a plan's `pathways`) is named as the value.
 */
export const fieldLabel = (name: string, lang: Lang) => tMaybe(lang, `field.${name}`) ?? tMaybe(lang, `value.${name}`) ?? humanise(name);

/** The organisation's locale decides, unless the person chose a language. */
export function pickLang(chosen: string | undefined, organisationLocale: string | undefined, acceptLanguage: string | undefined): Lang {
  if (chosen === 'en' || chosen === 'ru') return chosen;
  if (organisationLocale) return organisationLocale === 'en' ? 'en' : 'ru';
  return acceptLanguage?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** `snake_case` or `SCREAMING_SNAKE` or `camelCase` as words, for values without a dictionary entry. */
export function humanise(value: string): string {
  const words = value
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A time zone as its offset from UTC now (`UTC+5`, `UTC+5:30`): what the footer says times are in. */
export function utcOffset(timeZone: string, at = new Date()): string {
  const minutes = zoneOffsetMinutes(at, timeZone);
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '−' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Dates and times in the reader's language and the organisation's time zone. A bare date is a calendar date, shown as is. */
export function formatWhen(value: string | null | undefined, lang: Lang, timeZone: string): string {
  if (!value) return '';
  if (DATE_ONLY.test(value)) {
    return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: 'UTC', dateStyle: 'medium' }).format(new Date(`${value}T00:00:00Z`));
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** A `datetime-local` value read in the organisation's time zone, as an ISO time with its offset. */
export function zonedToIso(local: string, timeZone: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  const offsetMinutes = zoneOffsetMinutes(new Date(asUtc), timeZone);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${local}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
