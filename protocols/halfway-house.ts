import { z } from 'zod';
import { date, dateTime, reason, t, text, n, partyAssigned } from './common.js';
import type { AlertDefinition, ProtocolDefinition, TransitionDefinition } from './types.js';

/** DOMAIN.md §4: placement in a halfway house after release. The referrer owns the case. */

const withdrawn: TransitionDefinition = {
  by: ['referrer'],
  target: 'withdrawn',
  data: reason(),
  description: t('The referrer withdraws the referral.'),
};

const arrivalDateChanged: TransitionDefinition = {
  by: ['referrer', 'system'],
  target: 'observation',
  data: z.strictObject({ expectedArrivalDate: date(), reason: text(1000).optional() }),
  assign: ['changeArrivalDate'],
  // The house keeps its bed from the new date: it is told (an early release can bring the person months sooner).
  tells: [{ rule: 'arrival_date_changed', title: t('The expected arrival date of a referred person changed'), notify: ['halfway_house'] }],
  description: t('The expected arrival date changes (also when the linked release date changes).'),
};

const relapse: AlertDefinition = {
  rule: 'relapse',
  title: t('Relapse recorded at the halfway house'),
  notify: ['ngo', 'probation'],
  when: 'incidentIsRelapse',
};

export const halfwayHouse = {
  id: 'halfway-house',
  version: 1,
  title: t('Halfway-house placement'),
  description: t('A referral to a certified halfway house, the decision, arrival, stay and move-on.'),
  parts: {
    referrer: { title: t('Referrer'), kinds: ['prison', 'probation', 'ngo'], required: true },
    halfway_house: { title: t('Halfway house'), kinds: ['halfway_house'], required: true, certified: true },
    ngo: { title: t('NGO'), kinds: ['ngo'], required: false, certified: true, needsConsent: true },
    probation: { title: t('Probation service'), kinds: ['probation'], required: false },
  },
  opening: {
    roles: ['prison_staff', 'probation_officer', 'ngo_worker'],
    ownerPart: 'referrer',
    data: z.strictObject({ expectedArrivalDate: date(), maxStayDays: z.number().int().min(1).max(730).optional(), referralNote: text(1000).optional() }),
    // docs/DOMAIN.md, "Halfway house": an expected arrival date in the past is refused at referral.
    guards: ['arrivalNotInPast'],
    assign: ['referred'],
    facts: ['holderDefaultStayDays'],
  },
  initial: 'referred',
  states: {
    referred: {
      title: t('Referred'),
      on: {
        ACCEPTED: {
          by: ['halfway_house'],
          target: 'accepted',
          data: z.strictObject({ note: text(1000).optional() }),
          facts: ['freeCapacity'],
          guards: ['bedFreeOnArrival'],
          description: t('Accepted: needs a free bed on the arrival date, else 409 CAPACITY_FULL.'),
        },
        DECLINED: {
          by: ['halfway_house'],
          target: 'declined',
          data: reason(),
          tells: [{ rule: 'referral_declined', title: t('The halfway house declined the referral'), notify: ['referrer'] }],
          description: t('Declined, with a reason.'),
        },
        WITHDRAWN: withdrawn,
        ARRIVAL_DATE_CHANGED: arrivalDateChanged,
      },
    },
    accepted: {
      title: t('Accepted'),
      on: {
        WITHDRAWN: withdrawn,
        ARRIVAL_DATE_CHANGED: arrivalDateChanged,
        ARRIVED: {
          by: ['halfway_house'],
          target: 'resident',
          data: z.strictObject({ arrivedAt: dateTime() }),
          assign: ['arrived'],
          description: t('The person arrives.'),
        },
        NOT_ARRIVED: {
          by: ['halfway_house'],
          target: 'not_arrived',
          data: z.strictObject({ note: text(1000).optional() }),
          tells: [{ rule: 'not_arrived', title: t('The person did not arrive at the halfway house'), notify: ['referrer', 'ngo', 'probation'] }],
          description: t('The person did not arrive.'),
        },
      },
    },
    resident: {
      title: t('Resident'),
      on: {
        INCIDENT_RECORDED: {
          by: ['halfway_house'],
          target: 'observation',
          data: z.strictObject({ date: date(), kind: z.enum(['relapse', 'curfew', 'conflict', 'other']), note: text(2000).optional() }),
          tells: [relapse],
          description: t('An incident; a relapse notifies the NGO and probation at once.'),
        },
        STAY_EXTENDED: {
          by: ['halfway_house'],
          target: 'observation',
          data: z.strictObject({ maxStayDays: z.number().int().min(1).max(730), reason: text(1000) }),
          guards: ['stayIsLonger'],
          assign: ['extendStay'],
          description: t('The maximum stay is extended, with a reason.'),
        },
        DEPARTED: {
          by: ['halfway_house'],
          target: 'departed',
          data: z.strictObject({
            date: date(),
            reason: z.enum(['moved_on_stable_housing', 'moved_on_other', 'evicted', 'absconded', 'relapse', 'returned_to_custody', 'other']),
            note: text(1000).optional(),
          }),
          description: t('The person leaves, with the reason.'),
        },
      },
    },
    declined: { title: t('Declined'), final: true },
    withdrawn: { title: t('Withdrawn'), final: true },
    not_arrived: { title: t('Not arrived'), final: true },
    departed: { title: t('Departed'), final: true },
  },
  anyState: { PARTY_ASSIGNED: partyAssigned(['referrer']) },
  deadlines: {
    decision_reminder: {
      kind: 'reminder',
      title: t(`A referral awaits a decision ${n.workingDays} after it was made`),
      activeIn: ['referred'],
      due: { anchor: 'referredOn', type: 'date', workingDays: 3 },
      notify: ['halfway_house'],
    },
    decision_overdue: {
      kind: 'deadline',
      title: t(`No decision ${n.workingDays} after the referral`),
      activeIn: ['referred'],
      due: { anchor: 'referredOn', type: 'date', workingDays: 5 },
      notify: ['referrer', '@region_coordinator'],
    },
    arrival_missed: {
      kind: 'deadline',
      title: t(`Not arrived ${n.days} after the expected date`),
      activeIn: ['accepted'],
      due: { anchor: 'expectedArrivalDate', type: 'date', days: 1 },
      notify: ['referrer', 'probation', 'ngo'],
    },
    move_on_planning: {
      kind: 'reminder',
      title: t(`Maximum stay ends in ${n.days}: plan the move-on`),
      activeIn: ['resident'],
      due: { anchor: 'stayEndDate', type: 'date', days: -14 },
      notify: ['halfway_house', 'ngo'],
    },
    max_stay_reached: {
      kind: 'deadline',
      title: t('Maximum stay reached'),
      activeIn: ['resident'],
      due: { anchor: 'stayEndDate', type: 'date' },
      notify: ['halfway_house', 'referrer'],
    },
  },
  capacity: {
    resource: 'house_bed',
    holder: { part: 'halfway_house' },
    used: ['resident'],
    reserved: ['accepted'],
    waiting: ['referred'],
    covers: 'stayCovers',
    on: 'expectedArrivalDate',
  },
  fieldClasses: {
    expectedArrivalDate: 'custody',
    maxStayDays: 'custody',
    referredOn: 'custody',
    referralNote: 'social',
    arrivedAt: 'custody',
    arrivedOn: 'custody',
    stayEndDate: 'custody',
    closedOn: null,
  },
  eventClasses: {
    ACCEPTED: 'social',
    DECLINED: 'social',
    WITHDRAWN: 'social',
    ARRIVAL_DATE_CHANGED: 'custody',
    ARRIVED: 'custody',
    NOT_ARRIVED: 'custody',
    INCIDENT_RECORDED: { field: 'kind', values: { relapse: 'health' }, otherwise: 'custody' },
    STAY_EXTENDED: 'custody',
    DEPARTED: { field: 'reason', values: { relapse: 'health', returned_to_custody: 'legal' }, otherwise: 'custody' },
    PARTY_ASSIGNED: null,
  },
} as const satisfies ProtocolDefinition;
