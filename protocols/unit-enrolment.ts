import { z } from 'zod';
import { date, motivationalFollowUp, n, partyAssigned, t, text } from './common.js';
import type { ProtocolDefinition, TransitionDefinition } from './types.js';

/** DOMAIN.md §2: Atlantis / Clean Zone drug-free units in prison. The prison owns the case. */

const exit = (reasonRequired: boolean, description: ReturnType<typeof t>, target: string): TransitionDefinition => ({
  by: ['prison'],
  target,
  data: z.strictObject({ date: date(), reason: reasonRequired ? text(1000) : text(1000).optional() }),
  description,
});

const completed = exit(false, t('The person completes the programme.'), 'completed');
const withdrew = exit(false, t('The person leaves the programme.'), 'withdrew');
const expelled = exit(true, t('Expelled, with a reason.'), 'expelled');
const transferred = {
  ...exit(false, t('Transferred to another prison.'), 'transferred'),
  data: z.strictObject({ date: date(), toOrganisationId: z.uuid().optional(), reason: text(1000).optional() }),
};
/** Also sent by the service when a pre-release plan records the release (DOMAIN.md, "Release propagates"). */
const released = { ...exit(false, t('Released from prison (recorded by the prison, or by the release of the pre-release plan).'), 'released'), by: ['prison', 'system'] };

const admitted: TransitionDefinition = {
  by: ['prison'],
  target: [{ target: 'enrolled', when: 'hasFreeCapacity' }, { target: 'waitlisted' }],
  facts: ['freeCapacity', 'firstInQueue'],
  data: z.strictObject({ date: date(), consentToTreatment: z.literal(true), unitAgreementSigned: z.literal(true), reason: text(1000).optional() }),
  // docs/DOMAIN.md, "2. unit-enrolment": admitting someone ahead of the longest waiter needs a reason, recorded with the event.
  guards: ['firstInQueueOrReason'],
  assign: ['admit'],
  description: t('Admitted with consent to treatment and a signed unit agreement: enrolled when a place is free, else waitlisted.'),
};

export const unitEnrolment = {
  id: 'unit-enrolment',
  version: 1,
  title: t('Unit enrolment (Atlantis / Clean Zone)'),
  description: t('Screening, admission, phases, tests, group sessions and reviews in a drug-free prison unit; NGOs may run groups.'),
  parts: {
    prison: { title: t('Prison'), kinds: ['prison'], required: true },
    ngo: { title: t('NGO running groups'), kinds: ['ngo'], required: false, certified: true, needsConsent: true },
  },
  opening: {
    roles: ['prison_staff'],
    ownerPart: 'prison',
    data: z.strictObject({ unitId: z.uuid(), expectedReleaseDate: date() }),
  },
  facts: ['openProtocols'],
  initial: 'applied',
  states: {
    applied: {
      title: t('Applied'),
      on: {
        SCREENED: {
          by: ['prison'],
          target: [{ target: 'not_admitted', when: 'outcomeIsUnsuitable' }, { target: 'screened' }],
          data: z
            .strictObject({ date: date(), outcome: z.enum(['suitable', 'unsuitable']), reason: text(1000).optional() })
            .refine((value) => value.outcome === 'suitable' || value.reason !== undefined, { path: ['reason'], message: 'An unsuitable outcome needs a reason.' }),
          description: t('Screening: suitable, or not admitted with a reason.'),
        },
        // A release reaches an application not yet screened too (DOMAIN.md, "Release propagates").
        RELEASED: { ...released, by: ['system'] },
      },
    },
    screened: {
      title: t('Screened'),
      on: { ADMITTED: admitted, WITHDREW: withdrew, EXPELLED: expelled, TRANSFERRED: transferred, RELEASED: released },
    },
    waitlisted: {
      title: t('Waitlisted'),
      on: { ADMITTED: admitted, WITHDREW: withdrew, EXPELLED: expelled, TRANSFERRED: transferred, RELEASED: released },
    },
    enrolled: {
      title: t('Enrolled'),
      on: {
        PHASE_CHANGED: {
          by: ['prison'],
          target: 'observation',
          data: z.strictObject({ date: date(), phase: z.enum(['orientation', 'main', 'pre_discharge']) }),
          assign: ['recordPhase'],
          description: t('Moves to a programme phase: orientation, main, pre-discharge.'),
        },
        DRUG_TEST_RECORDED: {
          by: ['prison'],
          target: 'observation',
          data: z.strictObject({ date: date(), result: z.enum(['negative', 'positive', 'missed', 'refused']), note: text(1000).optional() }),
          description: t('A drug test result.'),
        },
        GROUP_SESSION_RECORDED: {
          by: ['prison', 'ngo'],
          target: 'observation',
          data: z.strictObject({ date: date(), kind: z.enum(['twelve_step', 'cbt', 'community_meeting', 'other']), attended: z.boolean() }),
          description: t('A group session: 12-step, CBT, community meeting.'),
        },
        REVIEW_RECORDED: {
          by: ['prison'],
          target: 'observation',
          data: z.strictObject({ date: date(), summary: text(5000) }),
          assign: ['advanceReview'],
          description: t('The 30-day review; the next is due 30 days later.'),
        },
        COMPLETED: completed,
        WITHDREW: withdrew,
        EXPELLED: expelled,
        TRANSFERRED: transferred,
        RELEASED: released,
      },
    },
    not_admitted: { title: t('Not admitted'), final: true },
    completed: { title: t('Completed'), final: true },
    withdrew: { title: t('Withdrew'), final: true },
    expelled: { title: t('Expelled'), final: true },
    transferred: { title: t('Transferred'), final: true },
    released: { title: t('Released'), final: true },
  },
  anyState: { PARTY_ASSIGNED: partyAssigned(['prison']) },
  deadlines: {
    review_due: {
      kind: 'reminder',
      title: t('The monthly review is due'),
      activeIn: ['enrolled'],
      due: { anchor: 'nextReviewDue', type: 'date' },
      notify: ['prison'],
    },
    pre_release_planning: {
      kind: 'reminder',
      title: t(`Release within ${n.days} and no pre-release plan`),
      activeIn: ['applied', 'screened', 'waitlisted', 'enrolled'],
      due: { anchor: 'expectedReleaseDate', type: 'date', days: -180 },
      condition: 'noOpenPreRelease',
      notify: ['prison'],
    },
    motivational_follow_up_1: motivationalFollowUp(1, 'withdrew', ['prison']),
    motivational_follow_up_2: motivationalFollowUp(2, 'withdrew', ['prison']),
    motivational_follow_up_3: motivationalFollowUp(3, 'withdrew', ['prison']),
  },
  capacity: {
    resource: 'unit_place',
    holder: { field: 'unitId' },
    used: ['enrolled'],
    reserved: [],
    waiting: ['waitlisted'],
    queue: 'waitlistedAt',
    freed: { rule: 'place_freed', title: t('A unit place is free for the longest-waiting person') },
  },
  fieldClasses: {
    unitId: 'custody',
    expectedReleaseDate: 'custody',
    admittedOn: 'custody',
    waitlistedAt: 'custody',
    nextReviewDue: 'compliance',
    lastReviewOn: 'compliance',
    phase: 'compliance',
    closedOn: null,
  },
  eventClasses: {
    SCREENED: 'compliance',
    ADMITTED: 'compliance',
    PHASE_CHANGED: 'compliance',
    DRUG_TEST_RECORDED: 'compliance',
    GROUP_SESSION_RECORDED: 'compliance',
    REVIEW_RECORDED: 'compliance',
    COMPLETED: 'custody',
    WITHDREW: 'custody',
    EXPELLED: 'compliance',
    TRANSFERRED: 'custody',
    RELEASED: 'custody',
    PARTY_ASSIGNED: null,
  },
} as const satisfies ProtocolDefinition;
