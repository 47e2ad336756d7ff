import { z } from 'zod';
import { PROTOCOLS } from './index.js';
import { mermaidOf } from './publish.js';
import type { DeadlineDefinition, ProtocolDefinition, TargetChoice, TransitionDefinition } from './types.js';

/**
 * protocols/README.md, generated from the definitions (`npm run protocols:doc`): the document
 * the institutions agree on, in plain language. CI fails when the committed copy is stale.
 */

function fieldsOf(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { enum?: unknown[]; const?: unknown }>; required?: string[] };
  const properties = Object.entries(json.properties ?? {});
  if (properties.length === 0) return '—';
  return properties
    .map(([name, property]) => {
      const required = json.required?.includes(name) ? '' : ' (optional)';
      const values = property.enum ? `: ${property.enum.join(' / ')}` : property.const !== undefined ? ` = ${String(property.const)}` : '';
      return `\`${name}\`${values}${required}`;
    })
    .join(', ');
}

function targetText(transition: TransitionDefinition): string {
  if (transition.target === 'observation') return 'observation (state unchanged)';
  if (typeof transition.target === 'string') return `→ \`${transition.target}\``;
  if (!Array.isArray(transition.target)) return '→ back to the state it came from';
  return (transition.target as readonly TargetChoice[])
    .map((choice) => {
      const to = typeof choice.target === 'string' ? `\`${choice.target}\`` : 'back to the state it came from';
      return choice.when ? `→ ${to} when ${choice.when}` : `otherwise → ${to}`;
    })
    .join('; ');
}

function whenText(rule: DeadlineDefinition): string {
  const due = rule.due;
  if (due.type === 'datetime') return `${due.hours} hours after \`${due.anchor}\``;
  const parts: string[] = [];
  if (due.months) parts.push(`${Math.abs(due.months)} month${Math.abs(due.months) === 1 ? '' : 's'}`);
  if (due.days) parts.push(`${Math.abs(due.days)} day${Math.abs(due.days) === 1 ? '' : 's'}`);
  if (due.workingDays) parts.push(`${Math.abs(due.workingDays)} working day${Math.abs(due.workingDays) === 1 ? '' : 's'}`);
  const negative = (due.months ?? 0) < 0 || (due.days ?? 0) < 0 || (due.workingDays ?? 0) < 0;
  const offset = parts.length === 0 ? 'on' : `${parts.join(' and ')} ${negative ? 'before' : 'after'}`;
  return `${offset} \`${due.anchor}\`, 09:00 owner’s time`;
}

function notifyText(rule: DeadlineDefinition): string {
  if (!Array.isArray(rule.notify)) return `resolver \`${(rule.notify as { resolver: string }).resolver}\``;
  return rule.notify.map((part: string) => (part === '@region_coordinator' ? 'the region’s coordinator (the admins’ queue where the region has none)' : part)).join(', ');
}

export function protocolMarkdown(definition: ProtocolDefinition): string {
  const lines: string[] = [];
  lines.push(`## \`${definition.id}\` (version ${definition.version}): ${definition.title.en}`, '', `*${definition.title.ru}*`, '', definition.description.en, '');
  lines.push('### Parts', '', '| part | organisation kinds | required | conditions |', '|---|---|---|---|');
  for (const [part, rule] of Object.entries(definition.parts)) {
    const conditions = [
      rule.certified ? 'certified' : '',
      rule.needsConsent ? 'a consent naming it' : '',
      rule.automatic ? 'filled automatically: the region’s coordinator (left empty where the region has none; what it is told goes to the admins’ queue)' : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`| \`${part}\` | ${rule.kinds.join(', ')} | ${rule.required ? 'yes' : 'no'} | ${conditions || '—'} |`);
  }
  lines.push('', `**Opened by** ${definition.opening.roles.join(', ')}; the opener’s organisation is the \`${definition.opening.ownerPart}\` part and owns the case.`);
  lines.push(`Opening data: ${fieldsOf(definition.opening.data)}.`, '');
  const states = Object.entries(definition.states);
  lines.push(
    '### States',
    '',
    states.map(([name, state]) => `\`${name}\`${name === definition.initial ? ' (initial)' : ''}${state.final ? ' (final)' : ''}: ${state.title.en}`).join('; ') + '.',
    '',
  );
  lines.push('### Events', '', '| in state | event | sent by | outcome | guards | data |', '|---|---|---|---|---|---|');
  for (const [name, state] of states) {
    for (const [event, transition] of Object.entries(state.on ?? {})) {
      lines.push(
        `| \`${name}\` | \`${event}\` | ${transition.by.join(', ')} | ${targetText(transition)}. ${transition.description.en} | ${(transition.guards ?? []).join(', ') || '—'} | ${fieldsOf(transition.data)} |`,
      );
    }
  }
  lines.push('', '### Deadlines', '', '| rule | kind | while in | due | concerns | condition |', '|---|---|---|---|---|---|');
  for (const [name, rule] of Object.entries(definition.deadlines)) {
    lines.push(`| \`${name}\`: ${rule.title.en} | ${rule.kind} | ${rule.activeIn.join(', ')} | ${whenText(rule)} | ${notifyText(rule)} | ${rule.condition ?? '—'} |`);
  }
  lines.push('', '### Diagram', '', '```mermaid', mermaidOf(definition), '```', '');
  return lines.join('\n');
}

export function protocolsReadme(): string {
  const header = [
    '# The CADAP protocols',
    '',
    '<!-- Generated by `npm run protocols:doc` from protocols/*.ts. Do not edit by hand: CI fails when this file is stale. -->',
    '',
    'Each protocol is declarative data run by one engine (`protocols/engine.ts`). A case changes state only',
    'through an event sent by a part allowed to send it; observations are recorded without changing the state.',
    'Date deadlines fall at 09:00 in the owner’s time zone; working days skip weekends and the country’s holidays',
    '(`/calendars/:country`). Every non-final state accepts `PARTY_ASSIGNED` from the owner; naming an NGO needs a',
    'consent that names it. Guards, assignments and effects named here are implemented in `protocols/registry.ts`.',
    '',
    ...Object.values(PROTOCOLS).map((definition) => `- \`${definition.id}\` (version ${definition.version}): ${definition.title.en}. ${definition.description.en}`),
    '',
  ];
  return [...header, ...Object.values(PROTOCOLS).map(protocolMarkdown)].join('\n');
}
