import { z } from 'zod';
import type { DeadlineDefinition, LocalizedText, TransitionDefinition } from './types.js';

/** Building blocks shared by the protocol definitions. */

export const date = () => z.iso.date();
export const dateTime = () => z.iso.datetime({ offset: true });
export const text = (max = 2000) => z.string().trim().min(1).max(max);
export const reason = () => z.strictObject({ reason: text(1000) });
/** A phone number as people write it: digits, spaces, brackets, dashes, an optional leading +. */
export const phone = () =>
  z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{5,24}$/);
export const empty = () => z.strictObject({});

/**
 * A protocol text, in English: the default message the English catalogue matches. Its other
 * languages are the catalogues' (locales/<locale>.json), filled in at load (protocols/texts.ts).
 */
export const t = (en: string): LocalizedText => ({ en, ru: en });

/**
 * English ICU plurals of the numbers a deadline title may use (`{days}`, `{workingDays}`, `{hours}`,
 * `{months}`): the number comes from the rule's `due`, so the text cannot drift from it.
 */
export const n = {
  days: '{days, plural, one {# day} other {# days}}',
  workingDays: '{workingDays, plural, one {# working day} other {# working days}}',
  hours: '{hours, plural, one {# hour} other {# hours}}',
  months: '{months, plural, one {# month} other {# months}}',
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
    description: t('The owner names or replaces the organisation filling a part.'),
  };
}

/** A motivational follow-up `month` months after the person left a programme (`closedOn` of the final state `state`). */
export const motivationalFollowUp = (month: 1 | 2 | 3, state: string, notify: readonly string[]): DeadlineDefinition => ({
  kind: 'reminder',
  title: t('Motivational follow-up (month {months})'),
  activeIn: [state],
  due: { anchor: 'closedOn', type: 'date', months: month },
  notify,
});
