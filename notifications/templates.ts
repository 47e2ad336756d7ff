import { protocolById } from '../protocols/index.js';
import { ruleTitle } from '../protocols/titles.js';

/**
 * Localized messages for every rule that notifies. A message names the participant's
 * reference code and a link, never a name, a diagnosis or any other personal field: the
 * variables a template can use are listed in `MessageVars`, and none of them is personal.
 *
 * English and Russian are complete. Kazakh, Kyrgyz, Uzbek, Tajik and Turkmen fall back to
 * Russian (then English) until a fluent text is contributed: add a `Strings` entry below.
 */
export type TemplateLocale = 'en' | 'ru' | 'kk' | 'ky' | 'uz' | 'tg' | 'tk';

export type MessageVars = {
  rule: string;
  protocol: string | null;
  kind: 'reminder' | 'deadline' | 'escalation' | 'alert';
  reference: string;
  dueAt: Date;
  timeZone: string;
  link: string;
};

export type RenderedMessage = { locale: TemplateLocale; subject: string; text: string; html: string; title: string };

type Strings = {
  kinds: Record<MessageVars['kind'], string>;
  person: string;
  protocol: string;
  due: string;
  open: string;
  privacy: string;
  signature: string;
};

const STRINGS: Partial<Record<TemplateLocale, Strings>> = {
  en: {
    kinds: { reminder: 'Reminder', deadline: 'Deadline', escalation: 'Escalation', alert: 'Alert' },
    person: 'Person (reference)',
    protocol: 'Protocol',
    due: 'Due',
    open: 'Open the case',
    privacy: 'This message names only the person’s reference code. Sign in to see what your organisation may see.',
    signature: 'CADAP collaboration service',
  },
  ru: {
    kinds: { reminder: 'Напоминание', deadline: 'Срок', escalation: 'Эскалация', alert: 'Оповещение' },
    person: 'Лицо (код)',
    protocol: 'Протокол',
    due: 'Срок',
    open: 'Открыть дело',
    privacy: 'В сообщении указан только код лица. Войдите в систему, чтобы увидеть данные, доступные вашей организации.',
    signature: 'Сервис взаимодействия CADAP',
  },
};

/** Titles of notices the service raises outside the protocols (a protocol's deadlines and alerts carry theirs in its data). */
export const NOTICE_TITLES: Record<string, { en: string; ru: string }> = {
  possible_duplicate: { en: 'Possible duplicate registration of a person', ru: 'Возможная повторная регистрация лица' },
  break_glass: { en: 'Emergency access to a case (break-glass) by the regional coordinator', ru: 'Экстренный доступ координатора к делу' },
  consent_expiring: { en: 'A sharing consent expires within 14 days', ru: 'Согласие на передачу данных истекает через 14 дней' },
  consent_recorded: {
    en: 'A sharing consent was recorded: check it, void it if recorded in error',
    ru: 'Записано согласие на передачу данных: проверьте его, аннулируйте, если оно записано ошибочно',
  },
  consent_lost: {
    en: 'The NGO’s sharing consent is no longer valid: record a new consent or replace the NGO',
    ru: 'Согласие на передачу данных НКО больше не действует: оформите новое согласие или замените НКО',
  },
  consent_proposed: {
    en: 'An organisation proposed a sharing consent naming itself: confirm or void it',
    ru: 'Организация предложила согласие на передачу данных себе: подтвердите или аннулируйте его',
  },
};

export function titleOf(protocol: string | null, rule: string): { en: string; ru: string } {
  const definition = protocol ? protocolById(protocol) : undefined;
  return (definition && ruleTitle(definition, rule)) ?? NOTICE_TITLES[rule] ?? { en: rule.replaceAll('_', ' '), ru: rule.replaceAll('_', ' ') };
}

/** The recipient's locale if we have its text; else Russian, the region's common language; else English. */
export function pickLocale(locale: string): TemplateLocale {
  if (STRINGS[locale as TemplateLocale]) return locale as TemplateLocale;
  return STRINGS.ru ? 'ru' : 'en';
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

export function renderMessage(vars: MessageVars, requestedLocale: string): RenderedMessage {
  const locale = pickLocale(requestedLocale);
  const strings = STRINGS[locale] ?? STRINGS.en!;
  const lang = locale === 'en' ? 'en' : 'ru';
  const title = titleOf(vars.protocol, vars.rule)[lang];
  const protocolTitle = vars.protocol ? (protocolById(vars.protocol)?.title[lang] ?? vars.protocol) : '—';
  const due = formatDue(vars.dueAt, vars.timeZone, locale);
  const subject = `CADAP ${strings.kinds[vars.kind]}: ${title} (${vars.reference})`;
  const text = [
    `${strings.kinds[vars.kind]}: ${title}`,
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
  const html = `<!doctype html><html lang="${locale}"><body style="font:15px/1.5 system-ui,sans-serif">
<p><strong>${escape(strings.kinds[vars.kind])}: ${escape(title)}</strong></p>
<table>
<tr><td>${escape(strings.person)}</td><td><strong>${escape(vars.reference)}</strong></td></tr>
<tr><td>${escape(strings.protocol)}</td><td>${escape(protocolTitle)}</td></tr>
<tr><td>${escape(strings.due)}</td><td>${escape(due)}</td></tr>
</table>
<p><a href="${escape(vars.link)}">${escape(strings.open)}</a></p>
<p style="color:#555">${escape(strings.privacy)}<br>— ${escape(strings.signature)}</p>
</body></html>`;
  return { locale, subject, text, html, title };
}
