import type { OrganisationKind, Role } from './vocabulary.js';

/** The runtime values the engine reasons about. Plain data, no I/O. */

export type Party = { part: string; organisationId: string };

/**
 * The admins' work queue, as a deadline's concern: what would go to "the region's coordinator"
 * when the person's region has none (docs/DOMAIN.md, "Regions"). No organisation
 * has this id (the nil UUID); `GET /deadlines` lists these rows for the `admin` role, and the
 * notification tick sends them to no inbox and no address.
 */
export const ADMINS_QUEUE = '00000000-0000-0000-0000-000000000000';

/** The region's coordinator, or the admins' queue when the region has none: never another region's. */
export function coordinatorOrAdmins(facts: Pick<DecisionFacts, 'regionCoordinatorId'>): string {
  return facts.regionCoordinatorId ?? ADMINS_QUEUE;
}

/**
 * The facts a protocol may ask for beyond the ones every decision gets (its data names them per
 * event, per opening or for the whole protocol; the service gathers only those).
 */
export const FACT_NAMES = ['freeCapacity', 'openProtocols', 'holderDefaultStayDays', 'firstInQueue', 'consentOnCase'] as const;
export type FactName = (typeof FACT_NAMES)[number];

/**
 * What the service gathers before a decision (under the locks it needs), so that the engine
 * itself never reads a database or a clock.
 */
export type DecisionFacts = {
  /** The owner's IANA time zone: date deadlines fall at 09:00 there. */
  timeZone: string;
  /** Public holidays of the owner's country, `YYYY-MM-DD`. */
  holidays: ReadonlySet<string>;
  /** The coordinator organisation of the participant's region, if one is registered. */
  regionCoordinatorId: string | null;
  /** Organisations the case or the event names: kind and whether certified today. */
  organisations: Readonly<Record<string, { kind: OrganisationKind; certified: boolean | null }>>;
  /** Organisations a valid sharing consent of this participant names right now. */
  consentedOrganisations: ReadonlySet<string>;
  /** `freeCapacity`: whether the case's unit or house has a free place on the counted date (counted under a lock). */
  freeCapacity?: boolean;
  /** `openProtocols`: the protocols in which the participant has an open case. */
  openProtocols?: ReadonlySet<string>;
  /** `holderDefaultStayDays`: the named halfway house's own maximum stay, if it sets one. */
  holderDefaultStayDays?: number | null;
  /** `firstInQueue`: no one has waited longer for a place of the case's unit or house (this case is the longest waiter, or no one waits). */
  firstInQueue?: boolean;
  /** `consentOnCase`: a valid consent of the participant was recorded with this case (e.g. the informed consent to a programme). */
  consentOnCase?: boolean;
  /** The owner's country (ISO code), e.g. for the currency of a certificate. */
  country?: string;
};

export type CaseSnapshot = {
  state: string;
  /** The state before the current one: where a `history` target returns. */
  previousState: string | null;
  data: Readonly<Record<string, unknown>>;
  parties: readonly Party[];
  ownerOrganisationId: string;
  facts: DecisionFacts;
};

/** Who sends an event: staff of an organisation, or the service itself for chained cases. */
export type EngineActor = { kind: 'staff'; organisationId: string; organisationKind: OrganisationKind; roles: readonly Role[] } | { kind: 'system' };

/** An event to decide; `id` is the id it will have in the history, when the service gives one before deciding. */
export type EngineEvent = { type: string; data: unknown; id?: string };

/** A deadline row as the definition implies it for a snapshot. */
export type Deadline = {
  rule: string;
  kind: 'reminder' | 'deadline' | 'escalation' | 'timeout';
  dueAt: Date;
  /** The organisations it concerns: whose work queue it is in, whom it notifies (or `ADMINS_QUEUE`); none for a timeout. */
  concerns: string[];
};

/** Effects the service performs in the same transaction, described as data. */
export type Effect =
  /** Open a linked case of another protocol (chaining). */
  | { kind: 'open_case'; protocol: string; parties: Party[]; data: Record<string, unknown> }
  /** Send an event to the case that opened this one (e.g. patronage acknowledged → pre-release closed). */
  | { kind: 'signal_parent'; protocol: string; event: EngineEvent }
  /** Send an event to every open case this one opened, of a protocol (e.g. the arrival date follows the release date). */
  | { kind: 'signal_children'; protocol: string; event: EngineEvent }
  /** Send an event to the person's other open cases of a protocol (e.g. a release ends the unit enrolment). */
  | { kind: 'signal_person'; protocol: string; event: EngineEvent }
  /** Write fields into the person's record, in one data class. */
  | { kind: 'record_person'; class: 'custody'; set: Record<string, unknown> }
  /** Retire this case's own live notices of a rule (e.g. a freed place's alert once the person is no longer waiting). */
  | { kind: 'retire_own'; rule: string }
  /** Notify organisations at once (a message, not a scheduled deadline); the title is the protocol's, by rule. */
  | { kind: 'alert'; rule: string; concerns: string[] }
  /** A place of a unit or house was freed: the owner of the longest-waiting case is told (`rule`). */
  | { kind: 'capacity_freed'; holderId: string; rule: string }
  /** Void a deadline rule on the participant's other open cases of a protocol. */
  | { kind: 'void_participant_deadlines'; protocol: string; rule: string };

export type DeadlineChanges = { schedule: Deadline[]; move: Deadline[]; void: string[] };

export type Accepted = {
  ok: true;
  part: string;
  from: string;
  to: string;
  observation: boolean;
  /** The event data as validated (defaults applied). */
  eventData: Record<string, unknown>;
  next: Omit<CaseSnapshot, 'facts'>;
  final: boolean;
  effects: Effect[];
  deadlines: DeadlineChanges;
};

export type RefusalCode = 'EVENT_NOT_ALLOWED' | 'VALIDATION_FAILED' | 'CAPACITY_FULL';

export type Refusal = {
  ok: false;
  code: RefusalCode;
  reason: string;
  /** The failed guard, when a guard refused. */
  guard?: string;
  errors?: { path: string; message: string }[];
  /** What this actor may send now. */
  allowedEvents: string[];
};

export type Decision = Accepted | Refusal;
