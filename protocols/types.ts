import type { z } from 'zod';
import type { FactName } from './model.js';
import type { AssignmentName } from './assignments.js';
import type { ConditionName, GuardName, ResolverName } from './registry.js';
import type { ChainDataName, CoversName } from './chains.js';
import type { DataClass, OrganisationKind, Role } from './vocabulary.js';

/**
 * The shape every protocol is written in: declarative data in the xstate style
 * (`initial`, `states`, `on: { EVENT: { target, by, guards, assign, tells, opens } }`, `final`).
 * Guards, conditions, assignments and resolvers are *named* here and implemented in one
 * registry each (protocols/registry.ts, assignments.ts, chains.ts); their names are typed, so a
 * typo is a compile error. Who is told, what is opened, signalled or retired elsewhere, and
 * the facts a decision needs are all declared here, so the published document shows the whole
 * behaviour and the service's code holds no protocol names.
 */

/**
 * A text in English and Russian, in ICU MessageFormat. Deadline and alert titles may use the
 * rule's own numbers (`{days}`, `{workingDays}`, `{months}`, `{hours}`, as positive numbers),
 * so "due in 3 working days" cannot drift from `workingDays: 3`.
 */
export type LocalizedText = { en: string; ru: string };

export type PartDefinition = {
  title: LocalizedText;
  /** Organisation kinds that may fill this part. */
  kinds: readonly OrganisationKind[];
  /** Must be named when the case is opened. */
  required: boolean;
  /** The organisation must hold a valid certification on the day it is named. */
  certified?: boolean;
  /** An NGO part needs a valid consent naming that organisation. */
  needsConsent?: boolean;
  /** Filled at opening from this field of the opening data (an organisation id), when it is set. */
  fromData?: string;
  /** Filled by the service, not the caller: the coordinator of the participant's region. */
  automatic?: 'region_coordinator';
};

/**
 * Where a transition goes: a state, `observation` (recorded, state unchanged), or a list of
 * alternatives tried in order, each with an optional named condition on the event or facts.
 */
export type Target = string | { history: true };
export type TargetChoice = { target: Target; when?: ConditionName };

/**
 * Organisations to tell: parts of the case, `@region_coordinator` (the admins' queue where the
 * person's region has none), or a named resolver.
 */
export type Recipients = readonly string[] | { resolver: ResolverName };

/** A notice raised at once by an event (a message, not a scheduled deadline). */
export type AlertDefinition = {
  /** The rule name messages and work items carry (unique within the protocol). */
  rule: string;
  title: LocalizedText;
  notify: Recipients;
  /** A named condition on the case after the event (and the event's data) that must hold. */
  when?: ConditionName;
};

/** Where a chained case's party comes from: a part of this case, or an organisation id in the event's data. */
export type PartySource = { part: string } | { event: string };

/** A linked case the event opens, owned by the part the opened protocol's opening names. */
export type OpensDefinition = {
  protocol: string;
  parties: Readonly<Record<string, PartySource>>;
  /** The named builder of the opened case's data, from this case and the event. */
  data: ChainDataName;
  /** Opens only when this condition holds on the case after the event. */
  when?: ConditionName;
};

/** An event the service sends to linked cases in the same transaction (`by: ['system']` there). */
export type SignalDefinition =
  /** The case that opened this one, when it is of this protocol. */
  | { to: 'parent'; protocol: string; event: string }
  /** Every open case this one opened, of a protocol, that accepts the event in its state. */
  | { to: 'children'; protocol: string; event: string; data: ChainDataName }
  /** Every other open case of the person, of a protocol, that accepts the event in its state. */
  | { to: 'person'; protocol: string; event: string; data: ChainDataName };

/** Fields an event writes into the person's record (a data class of the participant), from the event's data. */
export type RecordsDefinition = { class: 'custody'; set: Readonly<Record<string, { event: string }>> };

/** A deadline rule retired on the person's other open cases of a protocol. */
export type RetiresDefinition = { protocol: string; deadline: string };

/** What an event (or the opening) does beyond its own case. */
export type Consequences = {
  /** Facts the service gathers for this decision (under the locks they need). */
  facts?: readonly FactName[];
  /** Who is told at once. */
  tells?: readonly AlertDefinition[];
  /** Linked cases opened. */
  opens?: readonly OpensDefinition[];
  /** Events sent to linked cases. */
  signals?: readonly SignalDefinition[];
  /** Deadlines retired on the person's other cases. */
  retires?: readonly RetiresDefinition[];
  /** What the event writes into the person's record (e.g. the actual release time into `custody`). */
  records?: readonly RecordsDefinition[];
};

export type TransitionDefinition = Consequences & {
  /** Parts whose staff may send the event; `system` is the service itself (chained cases, timeouts). */
  by: readonly string[];
  /** `observation`, or the target (a choice list when the outcome decides). */
  target: 'observation' | Target | readonly TargetChoice[];
  /** The event's data, validated strictly. */
  data: z.ZodType;
  /** Named guards that must all pass. */
  guards?: readonly GuardName[];
  /** Named updates of the case data (e.g. move the next report due date). */
  assign?: readonly AssignmentName[];
  /** Case-data fields, as the event leaves them, recorded with the event in the history (a certificate's balance after a claim). */
  stamp?: readonly string[];
  description: LocalizedText;
};

export type StateDefinition = {
  title: LocalizedText;
  final?: boolean;
  on?: Readonly<Record<string, TransitionDefinition>>;
};

/** When a deadline is due: an anchor in the case data, plus an offset. */
export type DeadlineDue =
  /** A date field: due at 09:00 in the owner's time zone, `days` / `workingDays` / `months` later (negative: before). */
  | { anchor: string; type: 'date'; days?: number; workingDays?: number; months?: number }
  /** A date-time field: due exactly `hours` later. */
  | { anchor: string; type: 'datetime'; hours: number };

type DeadlineRule = {
  /** May use the numbers of `due` (see `LocalizedText`). */
  title: LocalizedText;
  /** The rule exists while the case is in one of these states. */
  activeIn: readonly string[];
  due: DeadlineDue;
  /** A named condition on the case that must hold for the rule to exist. */
  condition?: ConditionName;
};

/** A notice when due: `reminder` before something is due, `deadline` when it is overdue, `escalation` to the region's coordinator. */
export type NoticeDeadline = DeadlineRule & {
  kind: 'reminder' | 'deadline' | 'escalation';
  /** Parts to notify, or a named resolver (e.g. the parties whose pathways are not done). */
  notify: Recipients;
};

/**
 * A timeout: when due, the service itself sends `sends` to the case (an event the states in
 * `activeIn` accept `by: ['system']`), so a case can close or move on its own (patronage closes
 * 90 days after a refusal). It tells no one by itself; the event's `tells` do. Like every rule it
 * is a row from the moment the case enters an `activeIn` state and is retired when the case
 * leaves them; the scheduler's tick claims a due row once (FOR UPDATE SKIP LOCKED, however many
 * instances tick) and sends the event in the same transaction, audited as the system.
 */
export type TimeoutDeadline = DeadlineRule & {
  kind: 'timeout';
  sends: string;
};

export type DeadlineDefinition = NoticeDeadline | TimeoutDeadline;

/**
 * Places a case takes while in some states: a unit's places (the `unit_place` resource, sized
 * by the unit) or a house's beds (`house_bed`, sized by the house). The service counts them
 * under a lock for the `freeCapacity` fact and reports occupancy from the same declaration.
 */
export type CapacityDefinition = {
  resource: 'unit_place' | 'house_bed';
  /** Where the case names the unit or house: a case-data field, or the part filling it. */
  holder: { field: string } | { part: string };
  /** States that take a place now (used), states that hold one for a later date (reserved), states that wait for one. */
  used: readonly string[];
  reserved: readonly string[];
  waiting: readonly string[];
  /** Whether a case takes its place on a date; without it, a case in `used` or `reserved` takes it always. */
  covers?: CoversName;
  /** The case-data date `freeCapacity` is counted for; today when absent. */
  on?: string;
  /** The waiting queue's order: a case-data timestamp, then the opening time. */
  queue?: string;
  /** Leaving a `used` state frees a place: this alert tells the owner of the longest-waiting case. */
  freed?: Pick<AlertDefinition, 'rule' | 'title'>;
};

/** What a protocol asks of sharing consents (DOMAIN.md, "Consent" and "Consent attestation"). */
export type ConsentRules = {
  /** While the case is open, the organisation filling this part keeps a valid consent naming it; when it lapses, the owner is told (`consent_lost`). */
  watchedPart?: string;
  /** A consent recorded for a case of this protocol is a criminal-justice consent: not revocable while the case is open before this case-data date. */
  criminalJusticeUntil?: string;
};

/**
 * The data class of a piece of case data, for redaction: a class, `null` for facts about the
 * case itself (dates of its own workflow, organisation ids), or a class chosen by a field's
 * value (a relapse incident is health data; other incidents are not).
 */
export type ClassRule = DataClass | null | { field: string; values: Readonly<Partial<Record<string, DataClass>>>; otherwise: DataClass };
/** A case-data field's class; an object field may class each of its keys (the seven pathways). */
export type FieldClass = DataClass | null | { keys: Readonly<Partial<Record<string, DataClass>>>; otherwise: DataClass };

export type ProtocolDefinition = {
  id: string;
  version: number;
  title: LocalizedText;
  description: LocalizedText;
  parts: Readonly<Record<string, PartDefinition>>;
  /** Who opens a case, and which part the opener's organisation fills (it becomes the owner). */
  opening: Consequences & {
    roles: readonly Role[];
    /** The part the opener's organisation fills; several when kinds differ (a referrer may be a prison, probation or an NGO). */
    ownerPart: string;
    data: z.ZodType;
    /** Named guards on the opening data and parties (a refusal is a validation error naming the guard). */
    guards?: readonly GuardName[];
    assign?: readonly AssignmentName[];
  };
  /** Facts every decision of this protocol needs (e.g. for deadline conditions). */
  facts?: readonly FactName[];
  initial: string;
  states: Readonly<Record<string, StateDefinition>>;
  /** Events accepted in every non-final state, declared once (xstate's root-level `on`), e.g. `PARTY_ASSIGNED`. */
  anyState?: Readonly<Record<string, TransitionDefinition>>;
  deadlines: Readonly<Record<string, DeadlineDefinition>>;
  capacity?: CapacityDefinition;
  consent?: ConsentRules;
  /** The data class of every case-data field (opening data and what events assign). Unlisted fields are never shown. */
  fieldClasses: Readonly<Record<string, FieldClass>>;
  /** The data class of each event's data, for histories. Unlisted events show no data. */
  eventClasses: Readonly<Record<string, ClassRule>>;
  /**
   * Case-data fields and events shown only to organisations filling one of `parts` (then by their
   * class as usual; the author of an event always sees it), whatever a consent discloses: a
   * certificate's money is the coordinator's and the centre's.
   */
  partsOnly?: { parts: readonly string[]; fields: readonly string[]; events: readonly string[] };
};
