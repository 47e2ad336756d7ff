import type { z } from 'zod';
import type { DataClass, OrganisationKind, Role } from './vocabulary.js';

/**
 * The shape every protocol is written in: declarative data in the xstate style
 * (`initial`, `states`, `on: { EVENT: { target, by, guards, assign, effects } }`, `final`).
 * Guards, assignments, effects and deadline conditions are *named* here and implemented
 * in one registry each (protocols/registry.ts), so a definition stays serialisable,
 * diagrammable and versioned.
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
  /** Filled by the service, not the caller: the coordinator of the participant's region. */
  automatic?: 'region_coordinator';
};

/**
 * Where a transition goes: a state, `observation` (recorded, state unchanged), or a list of
 * alternatives tried in order, each with an optional named condition on the event or facts.
 */
export type Target = string | { history: true };
export type TargetChoice = { target: Target; when?: string };

export type TransitionDefinition = {
  /** Parts whose staff may send the event; `system` is the service itself (chained cases). */
  by: readonly string[];
  /** `observation`, or the target (a choice list when the outcome decides). */
  target: 'observation' | Target | readonly TargetChoice[];
  /** The event's data, validated strictly. */
  data: z.ZodType;
  /** Named guards that must all pass. */
  guards?: readonly string[];
  /** Named updates of the case data (e.g. move the next report due date). */
  assign?: readonly string[];
  /** Named effects: linked cases, alerts, places freed. */
  effects?: readonly string[];
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

export type DeadlineDefinition = {
  /** `reminder` before something is due, `deadline` when it is overdue, `escalation` to the region's coordinator. */
  kind: 'reminder' | 'deadline' | 'escalation';
  title: LocalizedText;
  /** The rule exists while the case is in one of these states. */
  activeIn: readonly string[];
  due: DeadlineDue;
  /** Parts to notify, or a named resolver (e.g. the parties whose pathways are not done). */
  notify: readonly string[] | { resolver: string };
  /** A named condition on the case that must hold for the rule to exist. */
  condition?: string;
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
  opening: {
    roles: readonly Role[];
    /** The part the opener's organisation fills; several when kinds differ (a referrer may be a prison, probation or an NGO). */
    ownerPart: string;
    data: z.ZodType;
    assign?: readonly string[];
    effects?: readonly string[];
  };
  initial: string;
  states: Readonly<Record<string, StateDefinition>>;
  deadlines: Readonly<Record<string, DeadlineDefinition>>;
  /** The data class of every case-data field (opening data and what events assign). Unlisted fields are never shown. */
  fieldClasses: Readonly<Record<string, FieldClass>>;
  /** The data class of each event's data, for histories. Unlisted events show no data. */
  eventClasses: Readonly<Record<string, ClassRule>>;
};
