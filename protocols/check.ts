import { ASSIGNMENT_NEEDS } from './assignments.js';
import { factsFor, targetChoices, transitionsIn } from './engine.js';
import type { FactName } from './model.js';
import { conditionNeeds, guardNeeds } from './registry.js';
import { alertsOf } from './titles.js';
import type { Consequences, ProtocolDefinition, Recipients, TransitionDefinition } from './types.js';

/**
 * What the type system cannot check of a definition's own names: every part, state, deadline
 * and linked protocol a definition refers to exists, every event has a data class, and every
 * guard, condition and assignment gets the facts it reads. The registry's names are typed;
 * these are checked here, by a test over every protocol (protocols/check.test.ts).
 */
export function definitionProblems(definition: ProtocolDefinition, all: Readonly<Record<string, ProtocolDefinition>>): string[] {
  const problems: string[] = [];
  const id = definition.id;
  const states = new Set(Object.keys(definition.states));
  const parts = new Set(Object.keys(definition.parts));
  const partOk = (part: string) => parts.has(part) || part === 'system';
  const recipientsOk = (where: string, notify: Recipients) => {
    if (!Array.isArray(notify)) return;
    for (const part of notify as readonly string[]) if (part !== '@region_coordinator' && !parts.has(part)) problems.push(`${id} ${where}: notifies unknown part ${part}`);
  };
  const needsOf = (transition: Partial<TransitionDefinition> & Consequences): FactName[] => [
    ...(transition.guards ?? []).flatMap(guardNeeds),
    ...(transition.target ? targetChoices({ target: transition.target }) : []).flatMap((choice) => (choice.when ? conditionNeeds(choice.when) : [])),
    ...(transition.assign ?? []).flatMap((name) => ASSIGNMENT_NEEDS[name] ?? []),
    ...[...(transition.tells ?? []), ...(transition.opens ?? [])].flatMap((item) => (item.when ? conditionNeeds(item.when) : [])),
  ];
  const consequences = (where: string, declared: Consequences) => {
    for (const alert of declared.tells ?? []) recipientsOk(`${where} tells ${alert.rule}`, alert.notify);
    for (const opens of declared.opens ?? []) {
      const target = all[opens.protocol];
      if (!target) {
        problems.push(`${id} ${where}: opens unknown protocol ${opens.protocol}`);
        continue;
      }
      for (const [part, source] of Object.entries(opens.parties)) {
        if (!Object.hasOwn(target.parts, part)) problems.push(`${id} ${where}: ${opens.protocol} has no part ${part}`);
        if ('part' in source && !parts.has(source.part)) problems.push(`${id} ${where}: takes unknown part ${source.part}`);
      }
      if (!Object.hasOwn(opens.parties, target.opening.ownerPart)) problems.push(`${id} ${where}: opens ${opens.protocol} without its owner part`);
    }
    for (const signal of declared.signals ?? []) {
      const target = all[signal.protocol];
      const accepts = target && Object.keys(target.states).some((state) => transitionsIn(target, state)[signal.event]?.by.includes('system'));
      if (!accepts) problems.push(`${id} ${where}: ${signal.protocol} does not accept ${signal.event} from the system`);
    }
    for (const retired of declared.retires ?? []) {
      if (!all[retired.protocol]?.deadlines[retired.deadline]) problems.push(`${id} ${where}: retires unknown deadline ${retired.protocol}.${retired.deadline}`);
    }
  };
  const own = new Set(definition.facts ?? []);

  if (!states.has(definition.initial)) problems.push(`${id}: unknown initial state ${definition.initial}`);
  if (!parts.has(definition.opening.ownerPart)) problems.push(`${id}: unknown owner part ${definition.opening.ownerPart}`);
  consequences('opening', definition.opening);
  for (const need of needsOf(definition.opening)) if (!factsFor(definition, null, null).includes(need)) problems.push(`${id} opening: needs the fact ${need}`);

  const events = new Set<string>();
  for (const state of states) {
    for (const [event, transition] of Object.entries(transitionsIn(definition, state))) {
      events.add(event);
      const where = `${state} ${event}`;
      for (const part of transition.by) if (!partOk(part)) problems.push(`${id} ${where}: unknown part ${part}`);
      for (const { target } of targetChoices(transition)) if (typeof target === 'string' && !states.has(target)) problems.push(`${id} ${where}: unknown target ${target}`);
      consequences(where, transition);
      const gathered = factsFor(definition, state, event);
      for (const need of needsOf(transition)) if (!gathered.includes(need)) problems.push(`${id} ${where}: needs the fact ${need}`);
    }
  }
  for (const event of events) if (!Object.hasOwn(definition.eventClasses, event)) problems.push(`${id}: event ${event} has no data class`);
  for (const [part, rule] of Object.entries(definition.parts))
    for (const event of rule.filledBy ?? []) if (!events.has(event)) problems.push(`${id} part ${part}: filled by unknown event ${event}`);

  for (const [name, rule] of Object.entries(definition.deadlines)) {
    for (const state of rule.activeIn) if (!states.has(state)) problems.push(`${id} deadline ${name}: unknown state ${state}`);
    if (rule.kind !== 'timeout') recipientsOk(`deadline ${name}`, rule.notify);
    // A timeout's event is sent by the service: every state the rule lives in accepts it from the system.
    else
      for (const state of rule.activeIn)
        if (!transitionsIn(definition, state)[rule.sends]?.by.includes('system')) problems.push(`${id} deadline ${name}: ${state} does not accept ${rule.sends} from the system`);
    // Deadlines are computed on every decision: the facts their conditions read are the protocol's own.
    for (const need of rule.condition ? conditionNeeds(rule.condition) : []) if (!own.has(need)) problems.push(`${id} deadline ${name}: needs the fact ${need}`);
  }
  const alerts = alertsOf(definition);
  for (const rule of alerts.keys()) if (Object.hasOwn(definition.deadlines, rule)) problems.push(`${id}: ${rule} is both a deadline and an alert`);
  const capacity = definition.capacity;
  if (capacity) {
    for (const state of [...capacity.used, ...capacity.reserved, ...capacity.waiting]) if (!states.has(state)) problems.push(`${id} capacity: unknown state ${state}`);
    if ('part' in capacity.holder && !parts.has(capacity.holder.part)) problems.push(`${id} capacity: unknown part ${capacity.holder.part}`);
  }
  return problems;
}
