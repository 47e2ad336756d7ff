import { covers, isLocale, isReviewed, protocolKey, protocolText, tMaybe, translator, type Locale } from '../locales/catalogue.js';
import { PROTOCOL_IDS, protocolById } from '../protocols/index.js';
import { dueValues, ruleTitle } from '../protocols/titles.js';

/**
 * Localized messages for every rule that notifies. A message names the participant's
 * reference code and a link, never a name, a diagnosis or any other personal field: the
 * variables a template can use are listed in `MessageVars`, and none of them is personal.
 *
 * The words are in the translation catalogues (locales/<locale>.json: `mail.*` for the message,
 * `notice.<rule>` and `protocol.<id>.alert.<rule>` for the titles of notices events raise,
 * `protocol.<id>.deadline.<rule>` for a protocol's deadlines). English and Russian are complete; a
 * locale is used for e-mail once its catalogue has every `mail.*` message, until then Kazakh,
 * Kyrgyz, Uzbek, Tajik and Turkmen recipients get Russian, then English.
 */
export type TemplateLocale = Locale;

export type MessageVars = {
  rule: string;
  protocol: string | null;
  kind: 'reminder' | 'deadline' | 'escalation' | 'alert';
  reference: string;
  dueAt: Date;
  timeZone: string;
  link: string;
};

export type RenderedMessage = { locale: TemplateLocale; subject: string; text: string; title: string };

/** A protocol's deadline or alert title: the catalogue's message (with the rule's numbers), else the protocol data's. */
function protocolRuleTitle(protocol: string, rule: string, locale: Locale): string | undefined {
  const definition = protocolById(protocol);
  if (!definition) return undefined;
  const deadline = Object.hasOwn(definition.deadlines, rule) ? definition.deadlines[rule] : undefined;
  const key = deadline ? protocolKey.deadline(protocol, rule) : protocolKey.alert(protocol, rule);
  return tMaybe(locale, key, deadline ? dueValues(deadline) : undefined) ?? ruleTitle(definition, rule)?.[locale === 'en' ? 'en' : 'ru'];
}

/** A notice's title in one locale: the protocol's deadline, else the alert an event raised, else a notice of the service's own. */
function noticeTitle(protocol: string | null, rule: string, locale: Locale): string {
  const own = (protocol ? protocolRuleTitle(protocol, rule, locale) : undefined) ?? tMaybe(locale, `notice.${rule}`);
  if (own !== undefined) return own;
  // An alert's title is found under its own protocol even when the notice names none (or another).
  for (const id of PROTOCOL_IDS) {
    const alert = protocolRuleTitle(id, rule, locale);
    if (alert !== undefined) return alert;
  }
  return rule.replaceAll('_', ' ');
}

/** A notice's title in English and Russian, as GET /deadlines publishes it. */
export function titleOf(protocol: string | null, rule: string): { en: string; ru: string } {
  return { en: noticeTitle(protocol, rule, 'en'), ru: noticeTitle(protocol, rule, 'ru') };
}

/** The recipient's locale if its catalogue has every e-mail text and is reviewed (not a draft); else Russian, the region's common language. */
export function pickLocale(locale: string): TemplateLocale {
  return isLocale(locale) && covers(locale, 'mail.') && isReviewed(locale) ? locale : 'ru';
}

const escape = (value: string) => value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const dueFormats = new Map<string, Intl.DateTimeFormat>();

function formatDue(at: Date, timeZone: string, locale: TemplateLocale): string {
  const key = `${locale}|${timeZone}`;
  let format = dueFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'ru-RU', { timeZone, dateStyle: 'long', timeStyle: 'short' });
    dueFormats.set(key, format);
  }
  const text = format.format(at);
  return `${text} (${timeZone})`;
}

/** A message's fixed words: everything but the reference, the due time and the link. */
type MessageWords = {
  locale: TemplateLocale;
  kind: string;
  title: string;
  protocolTitle: string;
  strings: { person: string; protocol: string; due: string; open: string; privacy: string; signature: string };
};

/**
 * The words depend only on (requested locale, kind, protocol, rule), and the catalogues are fixed at
 * start-up, so they are looked up once per combination, not once per message: for 100,000 due
 * deadlines, checking the locale's coverage and walking the title's fallbacks per message cost
 * more than the database work. Bounded: cleared if a stream of unknown rules ever fills it.
 */
const wordsCache = new Map<string, MessageWords>();
const WORDS_CACHE_LIMIT = 10_000;

function messageWords(vars: Pick<MessageVars, 'rule' | 'protocol' | 'kind'>, requestedLocale: string): MessageWords {
  const key = `${requestedLocale}\u0000${vars.kind}\u0000${vars.protocol ?? ''}\u0000${vars.rule}`;
  const cached = wordsCache.get(key);
  if (cached) return cached;
  const locale = pickLocale(requestedLocale);
  const words = translator(locale);
  const found: MessageWords = {
    locale,
    kind: words(`mail.kind.${vars.kind}`),
    title: noticeTitle(vars.protocol, vars.rule, locale),
    protocolTitle: vars.protocol ? (protocolText(locale, protocolKey.title(vars.protocol), protocolById(vars.protocol)?.title) ?? vars.protocol) : '—',
    strings: {
      person: words('mail.person'),
      protocol: words('mail.protocol'),
      due: words('mail.due'),
      open: words('mail.open'),
      privacy: words('mail.privacy'),
      signature: words('mail.signature'),
    },
  };
  if (wordsCache.size >= WORDS_CACHE_LIMIT) wordsCache.clear();
  wordsCache.set(key, found);
  return found;
}

export function renderMessage(vars: MessageVars, requestedLocale: string): RenderedMessage {
  const { locale, kind, title, protocolTitle, strings } = messageWords(vars, requestedLocale);
  const due = formatDue(vars.dueAt, vars.timeZone, locale);
  const subject = `CADAP ${kind}: ${title} (${vars.reference})`;
  const text = [
    `${kind}: ${title}`,
    '',
    `${strings.person}: ${vars.reference}`,
    `${strings.protocol}: ${protocolTitle}`,
    `${strings.due}: ${due}`,
    `${strings.open}: ${vars.link}`,
    '',
    strings.privacy,
    `— ${strings.signature}`,
    '',
  ].join('\n');
  return { locale, subject, text, title };
}

/** A line of a message's field block: its label, then its value. */
const FIELD = /^([^:\n]{1,80}): (.+)$/;
const LINK = /^https?:\/\/\S+$/;

/**
 * A message's HTML alternative, laid out from its plain text when it is sent: the outbox keeps
 * each message's words once, as its subject and text, and a batch of 1,000 carries 0.8 MB less
 * to the database (the HTML was 816 of each Russian message's 2.2 kB). The first paragraph is the
 * heading; a paragraph of two or more `label: value` lines is a table, where a value that is a
 * link becomes that label's link below it; the last paragraph is the footer. Every character of
 * the text is escaped, and no other words are added.
 */
export function htmlOf(text: string, locale: string): string {
  const paragraphs = text
    .trim()
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.split('\n'));
  const blocks = paragraphs.map((lines, index) => {
    if (index === 0) return `<p><strong>${lines.map(escape).join('<br>')}</strong></p>`;
    const fields = lines.map((line) => FIELD.exec(line));
    if (lines.length >= 2 && fields.every(Boolean)) {
      const rows: string[] = [];
      const links: string[] = [];
      for (const [, label, value] of fields as RegExpExecArray[]) {
        if (LINK.test(value!)) links.push(`<p><a href="${escape(value!)}">${escape(label!)}</a></p>`);
        else rows.push(`<tr><td>${escape(label!)}</td><td>${escape(value!)}</td></tr>`);
      }
      return [...(rows.length > 0 ? ['<table>', ...rows, '</table>'] : []), ...links].join('\n');
    }
    const footer = index === paragraphs.length - 1 && paragraphs.length > 2;
    return `<p${footer ? ' style="color:#555"' : ''}>${lines.map(escape).join('<br>')}</p>`;
  });
  return `<!doctype html><html lang="${escape(locale)}"><body style="font:15px/1.5 system-ui,sans-serif">\n${blocks.join('\n')}\n</body></html>`;
}
