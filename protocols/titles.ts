import { IntlMessageFormat } from 'intl-messageformat';
import { transitionsIn } from './engine.js';
import type { AlertDefinition, DeadlineDefinition, LocalizedText, ProtocolDefinition } from './types.js';

/**
 * The titles of a protocol's notices, rendered: deadline titles take their numbers from the
 * rule's own `due` (ICU MessageFormat, via FormatJS's intl-messageformat), so the words cannot
 * drift from the schedule; alert titles are plain text.
 */

const formats = new Map<string, IntlMessageFormat>();

export function formatText(text: string, lang: keyof LocalizedText, values: Record<string, number>): string {
  const key = `${lang}\u0000${text}`;
  let format = formats.get(key);
  if (!format) {
    format = new IntlMessageFormat(text, lang);
    formats.set(key, format);
  }
  return String(format.format(values));
}

/** The numbers a deadline title may use: the offsets of its `due`, as positive numbers. */
export function dueValues(rule: DeadlineDefinition): Record<string, number> {
  const due = rule.due;
  if (due.type === 'datetime') return { hours: Math.abs(due.hours) };
  const values: Record<string, number> = {};
  if (due.days !== undefined) values.days = Math.abs(due.days);
  if (due.workingDays !== undefined) values.workingDays = Math.abs(due.workingDays);
  if (due.months !== undefined) values.months = Math.abs(due.months);
  return values;
}

export function deadlineTitle(rule: DeadlineDefinition): LocalizedText {
  const values = dueValues(rule);
  return { en: formatText(rule.title.en, 'en', values), ru: formatText(rule.title.ru, 'ru', values) };
}

/** Every alert a protocol can raise, by rule: those events and the opening tell, and a freed place. */
export function alertsOf(definition: ProtocolDefinition): Map<string, Pick<AlertDefinition, 'rule' | 'title'>> {
  const out = new Map<string, Pick<AlertDefinition, 'rule' | 'title'>>();
  const transitions = [
    definition.opening,
    ...Object.values(definition.anyState ?? {}),
    ...Object.keys(definition.states).flatMap((state) => Object.values(transitionsIn(definition, state))),
  ];
  for (const transition of transitions) for (const alert of transition.tells ?? []) out.set(alert.rule, alert);
  if (definition.capacity?.freed) out.set(definition.capacity.freed.rule, definition.capacity.freed);
  return out;
}

/** The rendered title of a protocol's deadline or alert rule, if it has one. */
export function ruleTitle(definition: ProtocolDefinition, rule: string): LocalizedText | undefined {
  if (Object.hasOwn(definition.deadlines, rule)) return deadlineTitle(definition.deadlines[rule]!);
  return alertsOf(definition).get(rule)?.title;
}
