import { describe, expect, it } from 'vitest';
import { CATALOGUES, covers, isReviewed } from '../locales/catalogue.js';
import fc from 'fast-check';
import { htmlOf, pickLocale, renderMessage, titleOf, type MessageVars } from '../notifications/templates.js';

/** The e-mail templates, whose words are the catalogues' `mail.*`, `notice.*` and `protocol.<id>.*` messages. */
const vars = (over: Partial<MessageVars>): MessageVars => ({
  rule: 'consent_lost',
  protocol: null,
  kind: 'reminder',
  reference: 'P-AB<&>CD',
  dueAt: new Date('2026-03-04T05:06:07Z'),
  timeZone: 'Asia/Almaty',
  link: 'https://x.test/cases/1?a=1&b="2"',
  ...over,
});

describe('e-mail templates', () => {
  it('render an English notice of the service’s own, escaping the HTML', () => {
    const message = renderMessage(vars({}), 'en');
    expect(message.locale).toBe('en');
    expect(message.subject).toBe('CADAP Reminder: The NGO’s sharing consent is no longer valid: record a new consent or replace the NGO (P-AB<&>CD)');
    expect(message.text).toBe(
      [
        'Reminder: The NGO’s sharing consent is no longer valid: record a new consent or replace the NGO',
        '',
        'Person (reference): P-AB<&>CD',
        'Protocol: —',
        'Due: 4 March 2026 at 10:06 (Asia/Almaty)',
        'Open the case: https://x.test/cases/1?a=1&b="2"',
        '',
        'This message names only the person’s reference code. Sign in to see what your organisation may see.',
        '— CADAP collaboration service',
        '',
      ].join('\n'),
    );
    expect(message).not.toHaveProperty('html');
    const html = htmlOf(message.text, message.locale);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<p><strong>Reminder: The NGO’s sharing consent is no longer valid: record a new consent or replace the NGO</strong></p>');
    expect(html).toContain('<tr><td>Person (reference)</td><td>P-AB&lt;&amp;&gt;CD</td></tr>');
    expect(html).toContain('<p><a href="https://x.test/cases/1?a=1&amp;b=&quot;2&quot;">Open the case</a></p>');
    expect(html).toContain(
      '<p style="color:#555">This message names only the person’s reference code. Sign in to see what your organisation may see.<br>— CADAP collaboration service</p>',
    );
  });

  it('render a protocol’s alert in Russian, for a Kazakh recipient while kk.json is an unreviewed draft', () => {
    const message = renderMessage(vars({ rule: 'relapse', protocol: 'halfway-house', kind: 'alert' }), 'kk');
    expect(isReviewed('kk')).toBe(false);
    expect(message.locale).toBe('ru');
    expect(message.subject).toBe('CADAP Оповещение: Рецидив в доме на полпути (P-AB<&>CD)');
    expect(message.text).toContain('Срок: 4 марта 2026 г. в 10:06 (Asia/Almaty)\nОткрыть дело: https://x.test/cases/1?a=1&b="2"\n');
    expect(htmlOf(message.text, message.locale)).toContain('<html lang="ru">');
  });

  it('take a protocol’s deadline title from the protocol, and an alert’s even when the notice names no protocol', () => {
    expect(renderMessage(vars({ rule: 'intake_overdue', protocol: 'court-ordered-treatment', kind: 'deadline' }), 'en').subject).toBe(
      'CADAP Deadline: No intake 14 days after the order (P-AB<&>CD)',
    );
    expect(titleOf(null, 'released_without_plan')).toEqual({ en: 'Released without an agreed plan', ru: 'Освобождён без согласованного плана' });
    expect(titleOf('pre-release', 'released_without_plan').ru).toBe(CATALOGUES.ru['protocol.pre-release.alert.released_without_plan']);
    expect(titleOf(null, 'no_such_rule')).toEqual({ en: 'no such rule', ru: 'no such rule' });
  });

  it('pick the recipient’s locale only when its catalogue has every e-mail text and a native speaker has reviewed it, else Russian', () => {
    expect(pickLocale('en')).toBe('en');
    expect(pickLocale('ru')).toBe('ru');
    for (const locale of ['kk', 'ky', 'uz', 'tg', 'tk'] as const) expect(pickLocale(locale)).toBe(covers(locale, 'mail.') && isReviewed(locale) ? locale : 'ru');
    // The drafts have every e-mail text, and still no e-mail goes out in them.
    for (const locale of ['kk', 'ky', 'uz', 'tg', 'tk'] as const) expect([covers(locale, 'mail.'), pickLocale(locale)]).toEqual([true, 'ru']);
    expect(pickLocale('xx')).toBe('ru');
    expect(pickLocale('')).toBe('ru');
  });

  it('lay out the HTML part from the text alone: every word of it, escaped, and nothing else', () => {
    /** What a reader sees of the HTML: its text nodes and each link's address, unescaped. */
    const seen = (html: string) =>
      html
        .replace(/<a href="([^"]*)">([^<]*)<\/a>/g, '$2 $1')
        .replace(/<[^>]*>/g, ' ')
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&amp;', '&');
    const words = (text: string) => text.split(/[\s:]+/).filter((word) => word !== '' && word !== '—');
    const chars = (extra: string[]) => fc.string({ unit: fc.constantFrom('a', 'Я', ' ', '<', '>', '&', '"', "'", '/', '.', ...extra), maxLength: 20 });
    // Free lines, `label: value` fields (a paragraph of them is a table) and fields whose value is a link.
    const line = fc.oneof(
      chars([':', 'h', 't', 'p', 's']),
      fc.tuple(chars([]), chars([':'])).map(([label, value]) => `${label}: ${value}`),
      fc.tuple(chars([]), fc.string({ unit: fc.constantFrom('a', '&', '"', '<', '>', '?', '='), maxLength: 20 })).map(([label, rest]) => `${label}: https://x.test/${rest}`),
    );
    fc.assert(
      fc.property(fc.array(fc.array(line, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (paragraphs) => {
        const text = paragraphs.map((lines) => lines.join('\n')).join('\n\n');
        const html = htmlOf(text, 'ru');
        // Only the layout's own tags: none of the text's characters reaches the markup unescaped.
        expect(html.replace(/<\/?(p|strong|br|table|tr|td|a|body|html)\b[^<>]*>|<!doctype html>/g, '')).not.toMatch(/[<>"]/);
        expect(words(seen(html)).sort()).toEqual(words(text).sort());
      }),
    );
  });

  it('give every rendered message, in each locale, an HTML part that says what its text says', () => {
    for (const locale of ['en', 'ru'] as const) {
      const message = renderMessage(vars({ rule: 'intake_overdue', protocol: 'court-ordered-treatment', kind: 'deadline' }), locale);
      const html = htmlOf(message.text, message.locale);
      expect(html).toContain(`<html lang="${locale}">`);
      for (const line of message.text.split('\n').filter(Boolean)) {
        const [label, value] = line.includes(': ') ? [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)] : [line, ''];
        const escaped = (words: string) => words.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
        expect(html).toContain(escaped(label));
        expect(html).toContain(escaped(value));
      }
    }
  });
});
