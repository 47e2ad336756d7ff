import { fieldErrors } from './field-errors.js';
import { ROLE_FOR_KIND, type Role } from './vocabulary.js';
import {
  coordinatorOrAdmins,
  type Accepted,
  type CaseSnapshot,
  type Deadline,
  type DeadlineChanges,
  type Decision,
  type Effect,
  type FactName,
  type EngineActor,
  type EngineEvent,
  type Party,
  type Refusal,
} from './model.js';
import { ASSIGNMENTS, type Assignment } from './assignments.js';
import { CHAIN_DATA } from './chains.js';
import { CONDITIONS, GUARDS, organisationFitsPart, partyOf, RESOLVERS, type ConditionName, type GuardResult, type RuleInput } from './registry.js';
import { addDays, addMonths, addWorkingDays, DEADLINE_HOUR, localDateOf, zonedInstant } from './time.js';
import type { Consequences, DeadlineDefinition, ProtocolDefinition, Recipients, Target, TargetChoice, TransitionDefinition } from './types.js';

/**
 * The pure protocol engine. `decide` takes a definition, a case snapshot (with the facts the
 * service gathered), an event, an actor and the time, and returns the next snapshot and the
 * effects to perform as data, or a typed refusal. No I/O, no clock.
 */

type Data = Record<string, unknown>;

/** The parts an actor's organisation fills in this case, for which its role may act. */
export function actorParts(definition: ProtocolDefinition, snapshot: Pick<CaseSnapshot, 'parties'>, actor: EngineActor): string[] {
  if (actor.kind === 'system') return ['system'];
  const role: Role = ROLE_FOR_KIND[actor.organisationKind];
  if (!actor.roles.includes(role)) return [];
  return snapshot.parties.filter((party) => party.organisationId === actor.organisationId && definition.parts[party.part]).map((party) => party.part);
}

/** The events a state accepts: its own, and (in a non-final state) the protocol's `anyState` events. */
export function transitionsIn(definition: ProtocolDefinition, stateName: string): Readonly<Record<string, TransitionDefinition>> {
  const state = Object.hasOwn(definition.states, stateName) ? definition.states[stateName] : undefined;
  if (!state || state.final) return NO_TRANSITIONS;
  let byState = transitionsOf.get(definition);
  if (!byState) transitionsOf.set(definition, (byState = new Map()));
  let transitions = byState.get(stateName);
  if (!transitions) {
    // A state's own event wins over the protocol-wide one of the same name.
    transitions = Object.freeze({ ...definition.anyState, ...state.on });
    byState.set(stateName, transitions);
  }
  return transitions;
}
const NO_TRANSITIONS: Readonly<Record<string, TransitionDefinition>> = Object.freeze({});
/** transitionsIn's merged tables, made once per definition and state (a definition is data, never changed once built). */
const transitionsOf = new WeakMap<ProtocolDefinition, Map<string, Readonly<Record<string, TransitionDefinition>>>>();

/** The transition an event takes in a state, if the state accepts it. */
export function transitionFor(definition: ProtocolDefinition, stateName: string, type: string): TransitionDefinition | undefined {
  const transitions = transitionsIn(definition, stateName);
  return Object.hasOwn(transitions, type) ? transitions[type] : undefined;
}

/** The facts the service must gather to decide: the protocol's own, and the event's (or the opening's when no event). */
export function factsFor(definition: ProtocolDefinition, stateName: string | null, type: string | null): FactName[] {
  const own = stateName === null ? definition.opening.facts : type === null ? [] : transitionFor(definition, stateName, type)?.facts;
  return [...new Set([...(definition.facts ?? []), ...(own ?? [])])];
}

function condition(name: ConditionName, input: Parameters<(typeof CONDITIONS)[ConditionName]['test']>[0]): boolean {
  return CONDITIONS[name].test(input);
}

/** The organisations named by a recipient list, on a snapshot: parts, the region's coordinator, or a resolver. */
export function recipients(definition: ProtocolDefinition, notify: Recipients, snapshot: CaseSnapshot): string[] {
  const concerns = Array.isArray(notify)
    ? notify.map((part: string) => (part === '@region_coordinator' ? coordinatorOrAdmins(snapshot.facts) : partyToNotify(definition, snapshot, part)))
    : RESOLVERS[(notify as Exclude<Recipients, readonly string[]>).resolver].resolve(snapshot);
  return [...new Set(concerns.filter((id): id is string => Boolean(id)))].sort();
}

/** The effects an event's (or the opening's) declared consequences have on the case after it. */
function consequencesOf(definition: ProtocolDefinition, declared: Consequences, input: RuleInput, next: CaseSnapshot): Effect[] {
  const effects: Effect[] = [];
  const on = { snapshot: next, eventData: input.eventData };
  const chainInput = { ...input, snapshot: next, next: { data: { ...next.data } } };
  for (const alert of declared.tells ?? []) {
    if (alert.when && !condition(alert.when, on)) continue;
    const concerns = recipients(definition, alert.notify, next);
    if (concerns.length > 0) effects.push({ kind: 'alert', rule: alert.rule, concerns });
  }
  for (const opens of declared.opens ?? []) {
    if (opens.when && !condition(opens.when, on)) continue;
    const parties: Party[] = [];
    for (const [part, source] of Object.entries(opens.parties)) {
      const organisationId =
        'part' in source ? partyOf(next, source.part) : typeof input.eventData[source.event] === 'string' ? (input.eventData[source.event] as string) : undefined;
      if (organisationId) parties.push({ part, organisationId });
    }
    effects.push({ kind: 'open_case', protocol: opens.protocol, parties, data: CHAIN_DATA[opens.data](chainInput) });
  }
  for (const signal of declared.signals ?? []) {
    if (signal.to === 'parent') effects.push({ kind: 'signal_parent', protocol: signal.protocol, event: { type: signal.event, data: {} } });
    else {
      const event = { type: signal.event, data: CHAIN_DATA[signal.data](chainInput) };
      effects.push(signal.to === 'children' ? { kind: 'signal_children', protocol: signal.protocol, event } : { kind: 'signal_person', protocol: signal.protocol, event });
    }
  }
  for (const record of declared.records ?? []) {
    const set = Object.fromEntries(
      Object.entries(record.set).flatMap(([field, source]) => (input.eventData[source.event] === undefined ? [] : [[field, input.eventData[source.event]]])),
    );
    if (Object.keys(set).length > 0) effects.push({ kind: 'record_person', class: record.class, set });
  }
  for (const retired of declared.retires ?? []) effects.push({ kind: 'void_participant_deadlines', protocol: retired.protocol, rule: retired.deadline });
  return effects;
}

/** The unit or house a case names, for its capacity. */
export function capacityHolder(definition: ProtocolDefinition, snapshot: Pick<CaseSnapshot, 'data' | 'parties'>): string | null {
  const holder = definition.capacity?.holder;
  if (!holder) return null;
  const id = 'field' in holder ? snapshot.data[holder.field] : partyOf(snapshot, holder.part);
  return typeof id === 'string' ? id : null;
}

/**
 * Leaving a `used` state frees a place: the capacity's `freed` alert goes to the longest-waiting
 * case's owner. Leaving a waiting state settles this case's own `freed` alert: the person it named
 * is no longer waiting.
 */
function capacityChanges(definition: ProtocolDefinition, from: CaseSnapshot, to: string): Effect[] {
  const capacity = definition.capacity;
  if (!capacity?.freed) return [];
  const effects: Effect[] = [];
  if (capacity.waiting.includes(from.state) && !capacity.waiting.includes(to)) effects.push({ kind: 'retire_own', rule: capacity.freed.rule });
  const holderId = capacityHolder(definition, from);
  if (holderId && capacity.used.includes(from.state) && !capacity.used.includes(to)) effects.push({ kind: 'capacity_freed', holderId, rule: capacity.freed.rule });
  return effects;
}

/** The events this actor may send in the current state (guards are checked when sent). */
export function allowedEvents(definition: ProtocolDefinition, snapshot: Pick<CaseSnapshot, 'state' | 'parties'>, actor: EngineActor): string[] {
  const parts = actorParts(definition, snapshot, actor);
  return Object.entries(transitionsIn(definition, snapshot.state))
    .filter(([, transition]) => transition.by.some((part) => parts.includes(part)))
    .map(([type]) => type)
    .sort();
}

function refuse(definition: ProtocolDefinition, snapshot: CaseSnapshot, actor: EngineActor, refusal: Omit<Refusal, 'ok' | 'allowedEvents'>): Refusal {
  return { ok: false, ...refusal, allowedEvents: allowedEvents(definition, snapshot, actor) };
}

/** A transition's possible targets, in order (none for an observation). */
export function targetChoices(transition: Pick<TransitionDefinition, 'target'>): readonly TargetChoice[] {
  const target = transition.target;
  if (target === 'observation') return [];
  return typeof target === 'string' || !Array.isArray(target) ? [{ target: target as Target }] : (target as readonly TargetChoice[]);
}

function resolveTarget(transition: TransitionDefinition, snapshot: CaseSnapshot, eventData: Data): string | 'observation' {
  if (transition.target === 'observation') return 'observation';
  for (const choice of targetChoices(transition)) {
    if (choice.when && !condition(choice.when, { snapshot, eventData })) continue;
    if (typeof choice.target === 'string') return choice.target;
    return snapshot.previousState ?? snapshot.state;
  }
  throw new Error('a choice list must end with an unconditional target');
}

type SnapshotCore = Omit<CaseSnapshot, 'facts'>;

function applyAssignments(names: TransitionDefinition['assign'], input: RuleInput & { target: string }, start: SnapshotCore): SnapshotCore {
  let current = start;
  for (const name of names ?? []) {
    const assignment: Assignment = ASSIGNMENTS[name];
    const change = assignment({ ...input, snapshot: { ...current, facts: input.snapshot.facts } });
    current = {
      ...current,
      data: change.data ? { ...current.data, ...change.data } : current.data,
      parties: change.parties ?? current.parties,
      ownerOrganisationId: change.ownerOrganisationId ?? current.ownerOrganisationId,
    };
  }
  return current;
}

/** A decision without a fact the data asks for is a service error, not a refusal. */
function assertFacts(definition: ProtocolDefinition, facts: CaseSnapshot['facts'], names: readonly FactName[]): void {
  for (const name of names) if (facts[name] === undefined) throw new Error(`${definition.id}: the fact ${name} was not gathered`);
}

/** Decides one event. Refusal reasons follow the order: state, part, data, guards. */
export function decide(definition: ProtocolDefinition, snapshot: CaseSnapshot, event: EngineEvent, actor: EngineActor, now: Date): Decision {
  const state = definition.states[snapshot.state];
  if (!state) throw new Error(`state ${snapshot.state} is not in ${definition.id}`);
  if (state.final) {
    return refuse(definition, snapshot, actor, { code: 'EVENT_NOT_ALLOWED', reason: `The case is ${snapshot.state}, a final state: it accepts no events.` });
  }
  const transition = transitionFor(definition, snapshot.state, event.type);
  if (!transition) {
    return refuse(definition, snapshot, actor, { code: 'EVENT_NOT_ALLOWED', reason: `${event.type} is not allowed in state ${snapshot.state}.` });
  }
  assertFacts(definition, snapshot.facts, factsFor(definition, snapshot.state, event.type));
  const parts = actorParts(definition, snapshot, actor);
  const part = transition.by.find((candidate) => parts.includes(candidate));
  if (!part) {
    return refuse(definition, snapshot, actor, {
      code: 'EVENT_NOT_ALLOWED',
      reason: `${event.type} is sent by the ${transition.by.join(' or ')} part; your organisation ${parts.length ? `is the ${parts.join(', ')} part` : 'has no part that may act'}.`,
    });
  }
  const parsed = transition.data.safeParse(event.data ?? {});
  if (!parsed.success) {
    return refuse(definition, snapshot, actor, { code: 'VALIDATION_FAILED', reason: `The data of ${event.type} is not valid.`, errors: fieldErrors(parsed.error.issues, 'data') });
  }
  const eventData = parsed.data as Data;
  const input: RuleInput = { snapshot, eventData, now, part, parts: definition.parts, ...(event.id ? { eventId: event.id } : {}) };
  for (const name of transition.guards ?? []) {
    const result: GuardResult = GUARDS[name].check(input);
    if (result !== true) {
      if (result.path) {
        return refuse(definition, snapshot, actor, {
          code: 'VALIDATION_FAILED',
          reason: result.reason,
          guard: name,
          errors: [{ path: `data.${result.path}`, message: result.reason }],
        });
      }
      return refuse(definition, snapshot, actor, { code: result.capacity ? 'CAPACITY_FULL' : 'EVENT_NOT_ALLOWED', reason: result.reason, guard: name });
    }
  }

  const resolved = resolveTarget(transition, snapshot, eventData);
  const observation = resolved === 'observation';
  const to = observation ? snapshot.state : resolved;
  const final = definition.states[to]?.final === true;
  let next = applyAssignments(
    transition.assign,
    { ...input, target: to },
    {
      state: to,
      previousState: observation ? snapshot.previousState : snapshot.state,
      data: snapshot.data,
      parties: snapshot.parties,
      ownerOrganisationId: snapshot.ownerOrganisationId,
    },
  );
  if (final) next = { ...next, data: { ...next.data, closedOn: localDateOf(now, snapshot.facts.timeZone) } };

  const nextSnapshot: CaseSnapshot = { ...next, facts: snapshot.facts };
  const effects: Effect[] = [...consequencesOf(definition, transition, input, nextSnapshot), ...capacityChanges(definition, snapshot, to)];
  const accepted: Accepted = {
    ok: true,
    part,
    from: snapshot.state,
    to,
    observation,
    eventData: transition.stamp ? { ...eventData, ...Object.fromEntries(transition.stamp.map((field) => [field, next.data[field] ?? null])) } : eventData,
    next,
    final,
    effects,
    deadlines: diffDeadlines(deadlinesFor(definition, snapshot), deadlinesFor(definition, nextSnapshot)),
  };
  return accepted;
}

export type OpeningRefusal = { ok: false; code: 'VALIDATION_FAILED' | 'EVENT_NOT_ALLOWED'; reason: string; guard?: string; errors?: { path: string; message: string }[] };
export type Opening = { ok: true; snapshot: SnapshotCore; effects: Effect[]; deadlines: Deadline[] };

/**
 * Opens a case: the opener's organisation fills the owner part; parties are checked by kind,
 * certification and consent; automatic parts are filled from the facts.
 */
export function open(
  definition: ProtocolDefinition,
  input: { ownerOrganisationId: string; parties: readonly Party[]; data: unknown; facts: CaseSnapshot['facts'] },
  actor: EngineActor,
  now: Date,
): Opening | OpeningRefusal {
  if (actor.kind === 'staff' && !definition.opening.roles.some((role) => actor.roles.includes(role))) {
    return { ok: false, code: 'EVENT_NOT_ALLOWED', reason: `A ${definition.id} case is opened by ${definition.opening.roles.join(' or ')}.` };
  }
  assertFacts(definition, input.facts, factsFor(definition, null, null));
  const parsed = definition.opening.data.safeParse(input.data ?? {});
  if (!parsed.success) return { ok: false, code: 'VALIDATION_FAILED', reason: 'The opening data is not valid.', errors: fieldErrors(parsed.error.issues, 'data') };

  const errors: { path: string; message: string }[] = [];
  const parties: Party[] = [];
  const ownerPart = definition.opening.ownerPart;
  const named = new Map<string, string>();
  input.parties.forEach((party, index) => {
    if (named.has(party.part)) errors.push({ path: `parties.${index}.part`, message: `The ${party.part} part is named twice.` });
    named.set(party.part, party.organisationId);
  });
  // A part the opening data names (`fromData`) is filled from it, as if the caller had named it.
  for (const [part, rule] of Object.entries(definition.parts)) {
    const fromData = rule.fromData ? (parsed.data as Data)[rule.fromData] : undefined;
    if (typeof fromData !== 'string') continue;
    if (named.has(part) && named.get(part) !== fromData) errors.push({ path: `data.${rule.fromData}`, message: `The ${part} part is named twice, differently.` });
    named.set(part, fromData);
  }
  if (named.has(ownerPart) && named.get(ownerPart) !== input.ownerOrganisationId) {
    errors.push({ path: 'parties', message: `Your organisation is the ${ownerPart} part of a case it opens.` });
  }
  named.set(ownerPart, input.ownerOrganisationId);
  const probe: CaseSnapshot = { state: definition.initial, previousState: null, data: {}, parties: [], ownerOrganisationId: input.ownerOrganisationId, facts: input.facts };
  for (const [part, rule] of Object.entries(definition.parts)) {
    let organisationId = named.get(part);
    if (rule.filledBy && organisationId !== undefined) {
      errors.push({ path: 'parties', message: `The ${part} part is filled by ${rule.filledBy.join(' or ')}, not when the case is opened.` });
      continue;
    }
    if (rule.automatic === 'region_coordinator') {
      if (organisationId !== undefined && organisationId !== input.facts.regionCoordinatorId)
        errors.push({ path: 'parties', message: `The ${part} part is filled automatically.` });
      organisationId = input.facts.regionCoordinatorId ?? undefined;
      // A region without a coordinator leaves the part empty: its escalations go to the admins' queue.
      if (!organisationId) continue;
    }
    if (!organisationId) {
      if (rule.required) errors.push({ path: 'parties', message: `The ${part} part is required.` });
      continue;
    }
    const fits = rule.automatic ? true : organisationFitsPart(probe, organisationId, part, rule);
    if (fits !== true) errors.push({ path: 'parties', message: fits.reason });
    parties.push({ part, organisationId });
  }
  for (const part of named.keys()) if (!definition.parts[part]) errors.push({ path: 'parties', message: `"${part}" is not a part of ${definition.id}.` });
  if (errors.length > 0) return { ok: false, code: 'VALIDATION_FAILED', reason: 'The parties are not valid for this protocol.', errors };

  const data = parsed.data as Data;
  const snapshotInput: RuleInput = { snapshot: { ...probe, parties, data }, eventData: data, now, part: ownerPart, parts: definition.parts };
  for (const name of definition.opening.guards ?? []) {
    const result: GuardResult = GUARDS[name].check(snapshotInput);
    if (result !== true)
      return { ok: false, code: 'VALIDATION_FAILED', reason: result.reason, guard: name, errors: [{ path: result.path ? `data.${result.path}` : 'data', message: result.reason }] };
  }
  const snapshot = applyAssignments(
    definition.opening.assign,
    { ...snapshotInput, target: definition.initial },
    {
      state: definition.initial,
      previousState: null,
      data,
      parties,
      ownerOrganisationId: input.ownerOrganisationId,
    },
  );
  const effects = consequencesOf(definition, definition.opening, snapshotInput, { ...snapshot, facts: input.facts });
  return { ok: true, snapshot, effects, deadlines: [...deadlinesFor(definition, { ...snapshot, facts: input.facts }).values()] };
}

/** When a rule is due, from its anchor in the case data; `null` when the anchor is not set yet. */
export function dueAt(rule: DeadlineDefinition, data: Readonly<Data>, facts: CaseSnapshot['facts']): Date | null {
  const anchor = data[rule.due.anchor];
  if (typeof anchor !== 'string') return null;
  if (rule.due.type === 'datetime') return new Date(new Date(anchor).getTime() + rule.due.hours * 3_600_000);
  let date = anchor.slice(0, 10);
  if (rule.due.months) date = addMonths(date, rule.due.months);
  if (rule.due.days) date = addDays(date, rule.due.days);
  if (rule.due.workingDays) date = addWorkingDays(date, rule.due.workingDays, facts.holidays);
  return zonedInstant(date, DEADLINE_HOUR, facts.timeZone);
}

/** The organisation filling a part; an empty region-coordinator part is the admins' queue (or the coordinator registered since). */
function partyToNotify(definition: ProtocolDefinition, snapshot: CaseSnapshot, part: string): string | undefined {
  const filled = snapshot.parties.find((party) => party.part === part)?.organisationId;
  if (filled || definition.parts[part]?.automatic !== 'region_coordinator') return filled;
  return coordinatorOrAdmins(snapshot.facts);
}

/** The deadline set a snapshot implies: each rule active in its state, whose condition holds. */
export function deadlinesFor(definition: ProtocolDefinition, snapshot: CaseSnapshot): Map<string, Deadline> {
  const out = new Map<string, Deadline>();
  for (const [name, rule] of Object.entries(definition.deadlines)) {
    if (!rule.activeIn.includes(snapshot.state)) continue;
    if (rule.condition && !condition(rule.condition, { snapshot, eventData: {} })) continue;
    const due = dueAt(rule, snapshot.data, snapshot.facts);
    if (!due) continue;
    // A timeout concerns no one: the service itself acts on it (protocols/types.ts, TimeoutDeadline).
    const unique = rule.kind === 'timeout' ? [] : recipients(definition, rule.notify, snapshot);
    if (rule.kind !== 'timeout' && unique.length === 0) continue;
    out.set(name, { rule: name, kind: rule.kind, dueAt: due, concerns: unique });
  }
  return out;
}

export function diffDeadlines(before: Map<string, Deadline>, after: Map<string, Deadline>): DeadlineChanges {
  const changes: DeadlineChanges = { schedule: [], move: [], void: [] };
  for (const [rule, deadline] of after) {
    const previous = before.get(rule);
    if (!previous) changes.schedule.push(deadline);
    else if (previous.dueAt.getTime() !== deadline.dueAt.getTime() || previous.concerns.join() !== deadline.concerns.join()) changes.move.push(deadline);
  }
  for (const rule of before.keys()) if (!after.has(rule)) changes.void.push(rule);
  return changes;
}
