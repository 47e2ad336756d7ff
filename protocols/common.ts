import { z } from 'zod';
import type { DeadlineDefinition, LocalizedText, TransitionDefinition } from './types.js';

/** Building blocks shared by the protocol definitions. */

export const date = () => z.iso.date();
export const dateTime = () => z.iso.datetime({ offset: true });
export const text = (max = 2000) => z.string().trim().min(1).max(max);
export const reason = () => z.strictObject({ reason: text(1000) });
export const empty = () => z.strictObject({});

export const t = (en: string, ru: string): LocalizedText => ({ en, ru });

/**
 * ICU plurals of the numbers a deadline title may use (`{days}`, `{workingDays}`, `{hours}`,
 * `{months}`): the number comes from the rule's `due`, so the text cannot drift from it.
 */
export const n = {
  days: t('{days, plural, one {# day} other {# days}}', '{days, plural, one {# день} few {# дня} many {# дней} other {# дня}}'),
  workingDays: t(
    '{workingDays, plural, one {# working day} other {# working days}}',
    '{workingDays, plural, one {# рабочий день} few {# рабочих дня} many {# рабочих дней} other {# рабочего дня}}',
  ),
  hours: t('{hours, plural, one {# hour} other {# hours}}', '{hours, plural, one {# час} few {# часа} many {# часов} other {# часа}}'),
  months: t('{months, plural, one {# month} other {# months}}', '{months, plural, one {# месяц} few {# месяца} many {# месяцев} other {# месяца}}'),
};

/**
 * The owner assigns or replaces a party, in every non-final state (declared once per protocol,
 * under `anyState`); naming an NGO needs a consent that names it (DOMAIN.md, "Case").
 */
export function partyAssigned(ownerParts: readonly string[]): TransitionDefinition {
  return {
    by: ownerParts,
    target: 'observation',
    data: z.strictObject({ part: z.string().min(1).max(40), organisationId: z.uuid() }),
    guards: ['partyAssignable'],
    assign: ['assignParty'],
    description: t('The owner names or replaces the organisation filling a part.', 'Владелец назначает или заменяет организацию-участника.'),
  };
}

/** A motivational follow-up `month` months after the person left a programme (`closedOn` of the final state `state`). */
export const motivationalFollowUp = (month: 1 | 2 | 3, state: string, notify: readonly string[]): DeadlineDefinition => ({
  kind: 'reminder',
  title: t('Motivational follow-up (month {months})', 'Мотивационный контакт ({months}-й месяц)'),
  activeIn: [state],
  due: { anchor: 'closedOn', type: 'date', months: month },
  notify,
});
