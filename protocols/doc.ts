import { z } from 'zod';
import { PROTOCOLS } from './index.js';
import { mermaidOf } from './publish.js';
import { CONDITIONS, GUARDS, RESOLVERS } from './registry.js';
import { deadlineTitle } from './titles.js';
import type { Consequences, DeadlineDefinition, ProtocolDefinition, Recipients, TargetChoice, TransitionDefinition } from './types.js';

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
      return choice.when ? `→ ${to} when ${CONDITIONS[choice.when].label}` : `otherwise → ${to}`;
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

const REGION_COORDINATOR = 'the region’s coordinator (the admins’ queue where the region has none)';

function recipientsText(notify: Recipients): string {
  if (!Array.isArray(notify)) return RESOLVERS[(notify as Exclude<Recipients, readonly string[]>).resolver].label;
  return notify.map((part: string) => (part === '@region_coordinator' ? REGION_COORDINATOR : `\`${part}\``)).join(', ');
}

/** "Who is told": the alerts an event raises at once, with their conditions. */
function toldText(declared: Consequences): string {
  const told = (declared.tells ?? []).map(
    (alert) => `${recipientsText(alert.notify)}: “${alert.title.en}” (\`${alert.rule}\`)${alert.when ? `, when ${CONDITIONS[alert.when].label}` : ''}`,
  );
  return told.join('; ') || '—';
}

/** "What else it opens or closes": chained cases, signals to linked cases, retired deadlines. */
function elsewhereText(definition: ProtocolDefinition, declared: Consequences, from?: string): string {
  const out: string[] = [];
  for (const opens of declared.opens ?? []) {
    const parties = Object.entries(opens.parties)
      .map(([part, source]) => `${part}: ${'part' in source ? `this case’s \`${source.part}\`` : `\`${source.event}\` of the event`}`)
      .join(', ');
    out.push(`opens a \`${opens.protocol}\` case (${parties})${opens.when ? ` when ${CONDITIONS[opens.when].label}` : ''}`);
  }
  for (const signal of declared.signals ?? []) {
    const target = PROTOCOLS[signal.protocol];
    const closes =
      target &&
      Object.values(target.states).some((state) => {
        const next = state.on?.[signal.event]?.target;
        return typeof next === 'string' && target.states[next]?.final === true;
      });
    const whom =
      signal.to === 'parent'
        ? `the \`${signal.protocol}\` case that opened this one`
        : signal.to === 'children'
          ? `every open \`${signal.protocol}\` case this one opened, where it still accepts it`
          : `the person’s other open \`${signal.protocol}\` cases, where they still accept it`;
    const verb = closes ? 'closes' : `sends \`${signal.event}\` to`;
    out.push(`${verb} ${whom}${closes ? ` (\`${signal.event}\`)` : ''}`);
  }
  for (const record of declared.records ?? []) {
    const fields = Object.entries(record.set).map(([field, source]) => `\`${field}\` (from \`${source.event}\`)`);
    out.push(`writes ${fields.join(', ')} into the person’s \`${record.class}\` record`);
  }
  for (const retired of declared.retires ?? []) out.push(`retires the \`${retired.deadline}\` reminder of the person’s open \`${retired.protocol}\` cases`);
  const capacity = definition.capacity;
  if (from && capacity?.freed && capacity.used.includes(from)) out.push(`frees the place: the owner of the longest-waiting case is told (\`${capacity.freed.rule}\`)`);
  return out.join('; ') || '—';
}

function guardsText(transition: TransitionDefinition): string {
  return (transition.guards ?? []).map((name) => `${GUARDS[name].label} (\`${name}\`)`).join('; ') || '—';
}

/** Who sends an event: its parts, and for the system the timeouts that send it when they fall due. */
function senderText(definition: ProtocolDefinition, state: string, event: string, transition: TransitionDefinition): string {
  const timeouts = Object.entries(definition.deadlines)
    .filter(([, rule]) => rule.kind === 'timeout' && rule.sends === event && rule.activeIn.includes(state))
    .map(([name]) => `\`${name}\``);
  return transition.by.map((part) => (part === 'system' && timeouts.length > 0 ? `system (when ${timeouts.join(' or ')} falls due)` : part)).join(', ');
}

function eventRow(definition: ProtocolDefinition, state: string, event: string, transition: TransitionDefinition): string {
  const leaves = transition.target !== 'observation' ? state : undefined;
  return `| ${state === '*' ? 'every non-final state' : `\`${state}\``} | \`${event}\` | ${senderText(definition, state, event, transition)} | ${targetText(transition)}. ${transition.description.en} | ${guardsText(transition)} | ${toldText(transition)} | ${elsewhereText(definition, transition, leaves)} | ${fieldsOf(transition.data)} |`;
}

export function protocolMarkdown(definition: ProtocolDefinition): string {
  const lines: string[] = [];
  lines.push(`## \`${definition.id}\` (version ${definition.version}): ${definition.title.en}`, '', `*${definition.title.ru}*`, '', definition.description.en, '');
  lines.push('### Parts', '', '| part | organisation kinds | required | conditions |', '|---|---|---|---|');
  for (const [part, rule] of Object.entries(definition.parts)) {
    const conditions = [
      rule.certified ? 'certified' : '',
      rule.needsConsent ? 'a consent naming it' : '',
      rule.filledBy ? `filled only by ${rule.filledBy.map((event) => `\`${event}\``).join(', ')} (not at opening, not by \`PARTY_ASSIGNED\`)` : '',
      rule.automatic ? 'filled automatically: the region’s coordinator (left empty where the region has none; what it is told goes to the admins’ queue)' : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`| \`${part}\` | ${rule.kinds.join(', ')} | ${rule.required ? 'yes' : 'no'} | ${conditions || '—'} |`);
  }
  lines.push('', `**Opened by** ${definition.opening.roles.join(', ')}; the opener’s organisation is the \`${definition.opening.ownerPart}\` part and owns the case.`);
  lines.push(`Opening data: ${fieldsOf(definition.opening.data)}.`, '');
  if (definition.opening.guards?.length) lines.push(`Opening is refused unless: ${definition.opening.guards.map((name) => `${GUARDS[name].label} (\`${name}\`)`).join('; ')}.`, '');
  const states = Object.entries(definition.states);
  lines.push(
    '### States',
    '',
    states.map(([name, state]) => `\`${name}\`${name === definition.initial ? ' (initial)' : ''}${state.final ? ' (final)' : ''}: ${state.title.en}`).join('; ') + '.',
    '',
  );
  const opening = definition.opening;
  if (opening.tells?.length || opening.opens?.length || opening.signals?.length || opening.retires?.length) {
    lines.push(`When opened: ${[toldText(opening), elsewhereText(definition, opening)].filter((text) => text !== '—').join('; ')}.`, '');
  }
  lines.push(
    '### Events',
    '',
    '| in state | event | sent by | outcome | guards | who is told at once | what else it opens or closes | data |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const [name, state] of states) for (const [event, transition] of Object.entries(state.on ?? {})) lines.push(eventRow(definition, name, event, transition));
  for (const [event, transition] of Object.entries(definition.anyState ?? {})) lines.push(eventRow(definition, '*', event, transition));
  lines.push('', '### Deadlines', '', '| rule | kind | while in | due | concerns | condition |', '|---|---|---|---|---|---|');
  for (const [name, rule] of Object.entries(definition.deadlines)) {
    lines.push(
      `| \`${name}\`: ${deadlineTitle(rule).en} | ${rule.kind} | ${rule.activeIn.join(', ')} | ${whenText(rule)} | ${rule.kind === 'timeout' ? `no one: the service sends \`${rule.sends}\`` : recipientsText(rule.notify)} | ${rule.condition ? CONDITIONS[rule.condition].label : '—'} |`,
    );
  }
  const capacity = definition.capacity;
  if (capacity) {
    lines.push(
      '',
      '### Places',
      '',
      `A case takes a ${capacity.resource === 'unit_place' ? 'place of its unit' : 'bed of its house'} (named by ${'field' in capacity.holder ? `\`${capacity.holder.field}\`` : `the \`${capacity.holder.part}\` part`}) while ${[...capacity.used, ...capacity.reserved].map((state) => `\`${state}\``).join(' or ')}${capacity.covers ? ', for the dates its stay covers' : ''}; it waits for one while ${capacity.waiting.map((state) => `\`${state}\``).join(' or ')}. Free places are counted under a lock, ${capacity.on ? `for \`${capacity.on}\`` : 'for today'}.`,
    );
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
    'consent that names it. Each event lists who is told at once and what else it opens or closes; scheduled',
    'reminders and deadlines are in each protocol’s deadline table; a `timeout` there is the service acting on its',
    'own: when it falls due, the scheduler’s tick sends the named event to the case as the system (once, however',
    'many instances tick; in one transaction with its effects; audited). Guards and conditions are implemented in',
    '`protocols/registry.ts`, assignments in `protocols/assignments.ts`, chained data in `protocols/chains.ts`.',
    '',
    ...Object.values(PROTOCOLS).map((definition) => `- \`${definition.id}\` (version ${definition.version}): ${definition.title.en}. ${definition.description.en}`),
    '',
  ];
  return [...header, ...Object.values(PROTOCOLS).map(protocolMarkdown)].join('\n');
}
