import type { DataClass } from '../domain.js';

/**
 * DOMAIN.md's sharing table, as data: per protocol and part, each class a part sees by the
 * part alone (`party`), by the court's order (`court_order`), or only under a valid consent
 * naming that organisation and class (`consent`). A class not listed is never disclosed
 * (but for break-glass).
 */
export type Grant = 'party' | 'court_order' | 'consent';

const P = 'party' as const;
const CO = 'court_order' as const;
const K = 'consent' as const;

export const SHARING_TABLE: Readonly<Record<string, Readonly<Record<string, Partial<Record<DataClass, Grant>>>>>> = {
  'court-ordered-treatment': {
    court: { identity: P, legal: P, compliance: CO },
    probation: { identity: P, contact: P, legal: P, compliance: CO, health: K, social: P, notes: K },
    provider: { identity: P, contact: P, legal: P, compliance: P, health: P, social: P, notes: K },
    ngo: { identity: P, contact: P, compliance: K, health: K, social: K, notes: K },
  },
  'unit-enrolment': {
    prison: { identity: P, contact: P, custody: P, legal: P, compliance: P, health: P, social: P, notes: K },
    ngo: { identity: P, custody: P, compliance: K, health: K, social: K, notes: K },
  },
  'pre-release': {
    prison: { identity: P, contact: P, custody: P, legal: P, compliance: P, health: P, social: P, notes: K },
    probation: { identity: P, contact: P, custody: P, legal: P, compliance: P, health: K, social: P, notes: K },
    ngo: { identity: P, contact: P, custody: P, health: K, social: K, notes: K },
    halfway_house: { identity: P, contact: P, custody: P, health: K, social: K, notes: K },
    provider: { identity: P, contact: P, custody: P, health: P, notes: K },
  },
  'halfway-house': {
    referrer: { identity: P, contact: P, custody: P, health: K, social: P, notes: K },
    halfway_house: { identity: P, contact: P, custody: P, health: K, social: K, notes: K },
    ngo: { identity: P, contact: P, custody: P, health: K, social: K, notes: K },
    probation: { identity: P, contact: P, custody: P, health: K, social: K, notes: K },
  },
  patronage: {
    sender: { identity: P, contact: P, custody: P, legal: P, compliance: P, health: P, social: P, notes: K },
    ngo: { identity: P, contact: P, custody: P, health: K, social: K, notes: K },
    coordinator: { identity: P, custody: P, legal: P, compliance: P },
  },
  'rehabilitation-certificate': {
    coordinator: { identity: P, contact: P, custody: P, legal: P, compliance: P, health: P, social: P, notes: P },
    centre: { identity: P, contact: P, compliance: P, health: P },
    ngo: { identity: P, contact: P, custody: K, legal: K, compliance: K, health: K, social: K, notes: K },
    referrer: { identity: P, contact: P, custody: K, legal: K, compliance: K, health: K, social: K, notes: K },
  },
};

/** Rule 2: the record owner. Rule 3: the coordinator of the participant's region. */
export const RECORD_OWNER_CLASSES: readonly DataClass[] = ['identity', 'contact'];
export const REGION_COORDINATOR_CLASSES: readonly DataClass[] = ['identity', 'custody', 'legal', 'compliance'];

/** A party keeps its view of a closed case for this long (rule 1). */
export const CLOSED_CASE_WINDOW_DAYS = 90;

/** The start of the window at `now`: a case closed after it still counts (rule 1). */
export const closedCaseWindowStart = (now: Date): Date => new Date(now.getTime() - CLOSED_CASE_WINDOW_DAYS * 86_400_000);
/** Break-glass lasts this long (rule 4). */
export const BREAK_GLASS_HOURS = 4;
