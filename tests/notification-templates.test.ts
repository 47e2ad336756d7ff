import { describe, expect, it } from 'vitest';
import { CATALOGUES, covers, isReviewed } from '../locales/catalogue.js';
import { pickLocale, renderMessage, titleOf, type MessageVars } from '../notifications/templates.js';

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
    expect(message.html).toContain('<html lang="en">');
    expect(message.html).toContain('<td><strong>P-AB&lt;&amp;&gt;CD</strong></td>');
    expect(message.html).toContain('<a href="https://x.test/cases/1?a=1&amp;b=&quot;2&quot;">Open the case</a>');
  });

  it('render a protocol’s alert in Russian, for a Kazakh recipient while kk.json is an unreviewed draft', () => {
    const message = renderMessage(vars({ rule: 'relapse', protocol: 'halfway-house', kind: 'alert' }), 'kk');
    expect(isReviewed('kk')).toBe(false);
    expect(message.locale).toBe('ru');
    expect(message.subject).toBe('CADAP Оповещение: Рецидив в доме на полпути (P-AB<&>CD)');
    expect(message.text).toContain('Срок: 4 марта 2026 г. в 10:06 (Asia/Almaty)\nОткрыть дело: https://x.test/cases/1?a=1&b="2"\n');
    expect(message.html).toContain('<html lang="ru">');
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
});
