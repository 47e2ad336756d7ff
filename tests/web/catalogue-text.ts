import { Parser } from 'htmlparser2';
import { CATALOGUES, compile, type Locale } from '../../locales/catalogue.js';

/**
 * Is every word a page shows from the reader's catalogue? The page's visible texts (text nodes,
 * and the attributes people see or hear: placeholder, title, aria-label, alt, an input button's
 * value), each checked against the catalogue's messages, the typed data of the test world and a
 * few narrow data formats.
 */
export type VisibleText = { text: string; lang: string; where: string };

const SEEN_ATTRIBUTES = ['placeholder', 'title', 'aria-label', 'alt'];
const normalise = (text: string) => text.replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** The texts of a page a person sees, each with the language of its element (the nearest `lang`). */
export function visibleTexts(html: string): VisibleText[] {
  const out: VisibleText[] = [];
  const stack: { name: string; lang: string }[] = [];
  let skip = 0;
  // htmlparser2 may hand one text node over in pieces (around entities): joined until the next tag.
  let pending = '';
  const lang = () => stack.at(-1)?.lang ?? '';
  const flush = () => {
    const shown = normalise(pending);
    if (skip === 0 && shown) out.push({ text: shown, lang: lang(), where: `<${stack.at(-1)?.name ?? ''}>` });
    pending = '';
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        flush();
        stack.push({ name, lang: attributes.lang ?? lang() });
        if (name === 'script' || name === 'style') skip += 1;
        for (const attribute of SEEN_ATTRIBUTES) {
          const value = attributes[attribute];
          if (value !== undefined && normalise(value)) out.push({ text: normalise(value), lang: lang(), where: `<${name} ${attribute}>` });
        }
        if (name === 'input' && ['submit', 'button', 'reset'].includes(attributes.type ?? '') && attributes.value) {
          out.push({ text: normalise(attributes.value), lang: lang(), where: '<input value>' });
        }
      },
      ontext(text) {
        pending += text;
      },
      onclosetag(name) {
        flush();
        if (name === 'script' || name === 'style') skip -= 1;
        stack.pop();
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return out;
}

type Hole = { hole: true };
type Template = readonly (string | Hole)[];
const HOLE: Hole = { hole: true };
type Element = ReturnType<ReturnType<typeof compile>['getAst']>[number];

/** A message as templates of literal text and holes: one template per branch of its selects and plurals. */
function templatesOf(elements: readonly Element[]): Template[] {
  let results: (string | Hole)[][] = [[]];
  for (const element of elements) {
    let branches: Template[];
    if (element.type === 0) branches = [[element.value]];
    else if ('options' in element) branches = Object.values(element.options).flatMap((option) => templatesOf(option.value));
    else branches = [[HOLE]]; // an argument, a number, a date or a `#`
    results = results.flatMap((prefix) => branches.map((branch) => [...prefix, ...branch]));
  }
  return results.map((template) => {
    // Adjacent literals joined, whitespace as the page shows it.
    const joined: (string | Hole)[] = [];
    for (const part of template) {
      const last = joined.at(-1);
      if (typeof part === 'string' && typeof last === 'string') joined[joined.length - 1] = last + part;
      else joined.push(part);
    }
    return joined.map((part) => (typeof part === 'string' ? part.replace(/[\s\u00a0\u202f]+/g, ' ') : part)).filter((part) => part !== '');
  });
}

/** Punctuation the pages put between catalogue texts and data. */
const SEPARATORS = /[ :;,·—–()/…]+/y;

/**
 * The ru-RU and en-GB dates and times `formatWhen` prints (`2 мар. 2026 г.`, `2 мар. 2026 г., 10:30`), integers,
 * decimals and percentages, the reference code `P-XXXX-XXXX` (Crockford base 32), a region's ISO 3166-2 code
 * (`KZ-PAV`, the indicators' region rows), a UTC offset (`UTC+5`, the footer's time zone) and the ISO 4217 code of a
 * certificate's currency (`1 500,00 KZT`, as Intl prints money in Russian). Nothing else is data
 * by its form.
 */
export const DATA_FORMATS: Readonly<Record<'ru' | 'en', readonly RegExp[]>> = {
  ru: [/\d{1,2} (?:(?:янв|февр|мар|апр|июн|июл|авг|сент|окт|нояб|дек)\.|мая) \d{4} г\.(?:, \d{1,2}:\d{2})?/y],
  en: [/\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept|Oct|Nov|Dec) \d{4}(?:, \d{1,2}:\d{2})?/y],
};
const COMMON_FORMATS = [
  /(?:KZT|KGS|UZS|TJS|TMT)(?![\w-])/y,
  /P-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/y,
  /\d+(?:[.,]\d+)?%?/y,
  /[A-Z]{2}-[A-Z0-9]{1,3}(?![\w-])/y,
  /UTC[+−]\d{1,2}(?::\d{2})?/y,
];

export function catalogueMatcher(locale: Locale & ('ru' | 'en'), data: readonly string[]) {
  const templates = Object.entries(CATALOGUES[locale]).flatMap(([key, message]) =>
    message ? templatesOf(compile(message, locale).getAst()).map((template) => ({ key, template })) : [],
  );
  // A template with no words of its own (a lone `{title}`) says nothing about the catalogue.
  const worded = templates.filter(({ template }) => template.some((part) => typeof part === 'string' && /\p{L}/u.test(part)));
  const formats = [...DATA_FORMATS[locale], ...COMMON_FORMATS];
  const typed = [...new Set(data.map(normalise))].sort((a, b) => b.length - a.length);
  const memo = new Map<string, boolean>();

  function matchTemplate(s: string, template: Template, k: number, at: number, ends: Set<number>): void {
    if (k === template.length) {
      ends.add(at);
      return;
    }
    const part = template[k]!;
    if (typeof part === 'string') {
      if (s.startsWith(part, at)) matchTemplate(s, template, k + 1, at + part.length, ends);
      return;
    }
    const next = template[k + 1];
    if (typeof next === 'string') {
      for (let q = s.indexOf(next, at + 1); q !== -1; q = s.indexOf(next, q + 1)) if (covered(s.slice(at, q))) matchTemplate(s, template, k + 1, q, ends);
      return;
    }
    for (let end = at + 1; end <= s.length; end += 1) if (covered(s.slice(at, end))) matchTemplate(s, template, k + 1, end, ends);
  }

  /** Can the whole string be read as catalogue texts, typed data and data formats, with punctuation between them? */
  function covered(s: string): boolean {
    const known = memo.get(s);
    if (known !== undefined) return known;
    memo.set(s, false); // a string cannot be its own part
    const candidates = worded.filter(({ template }) => template.every((part) => typeof part !== 'string' || s.includes(part)));
    const reached = new Set<number>([0]);
    for (let at = 0; at <= s.length; at += 1) {
      if (!reached.has(at) || at === s.length) continue;
      SEPARATORS.lastIndex = at;
      const separator = SEPARATORS.exec(s);
      if (separator) for (let end = at + 1; end <= at + separator[0].length; end += 1) reached.add(end);
      for (const value of typed) if (s.startsWith(value, at)) reached.add(at + value.length);
      for (const format of formats) {
        format.lastIndex = at;
        const found = format.exec(s);
        if (found) reached.add(at + found[0].length);
      }
      for (const { template } of candidates) {
        const ends = new Set<number>();
        matchTemplate(s, template, 0, at, ends);
        for (const end of ends) if (end > at) reached.add(end);
      }
    }
    const result = reached.has(s.length) && s.length > 0;
    memo.set(s, result);
    return result;
  }

  return { covered: (text: string) => covered(normalise(text)), typed };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** `snake_case`, `kebab-case` ids, `SCREAMING_SNAKE` and `camelCase` words: enum values and field names as the API spells them. */
const CODE_WORD = /\b(?:[a-z]+(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z]+(?:-[a-z]+)+|[a-z]+[A-Z][A-Za-z]*)\b/;

/**
 * Every visible text of a page that is not from the page's catalogue, with why. Texts inside an
 * element in another language (the language switch's "English") are checked against that one.
 */
export function foreignTexts(html: string, data: readonly string[]): { text: string; where: string; why: string }[] {
  const matchers = new Map<string, ReturnType<typeof catalogueMatcher>>();
  const matcherFor = (lang: string) => {
    const locale = lang === 'en' ? 'en' : 'ru';
    if (!matchers.has(locale)) matchers.set(locale, catalogueMatcher(locale, data));
    return matchers.get(locale)!;
  };
  const english = new Set(Object.entries(CATALOGUES.en).flatMap(([key, message]) => (message && message !== CATALOGUES.ru[key] ? [normalise(message)] : [])));
  const problems: { text: string; where: string; why: string }[] = [];
  for (const { text, lang, where } of visibleTexts(html)) {
    const matcher = matcherFor(lang);
    let bare = text;
    for (const value of matcher.typed) bare = bare.split(value).join(' ');
    if (UUID.test(bare)) problems.push({ text, where, why: 'an id' });
    else if (CODE_WORD.test(bare)) problems.push({ text, where, why: `a raw value (${CODE_WORD.exec(bare)?.[0]})` });
    else if (lang !== 'en' && english.has(text)) problems.push({ text, where, why: 'an English message' });
    else if (!matcher.covered(text)) problems.push({ text, where, why: `not from the ${lang === 'en' ? 'English' : 'Russian'} catalogue` });
  }
  return problems;
}
