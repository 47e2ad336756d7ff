import { z } from 'zod';
import { date, dateTime, reason, t, text, n, partyAssigned, phone } from './common.js';
import { PATHWAYS } from './registry.js';
import type { AlertDefinition, DeadlineDefinition, ProtocolDefinition, TransitionDefinition } from './types.js';

/** DOMAIN.md §3: planning the release, ideally from 84 days before. The prison owns the plan. */

const ALL_PARTS = ['prison', 'probation', 'ngo', 'halfway_house', 'provider'] as const;

const referred: TransitionDefinition = {
  by: ['prison'],
  target: 'observation',
  data: z.strictObject({ halfwayHouseOrganisationId: z.uuid(), maxStayDays: z.number().int().min(1).max(730).optional(), note: text(1000).optional() }),
  guards: ['halfwayHouseCertified', 'releaseDateNotPassed'],
  // The plan's halfway-house part is the house referred to; its case carries the referral's note.
  assign: ['referHouse'],
  opens: [
    {
      protocol: 'halfway-house',
      parties: { referrer: { part: 'prison' }, halfway_house: { event: 'halfwayHouseOrganisationId' }, ngo: { part: 'ngo' }, probation: { part: 'probation' } },
      data: 'halfwayHouseReferral',
    },
  ],
  description: t('Refers to a halfway house: opens a halfway-house case with arrival on the release date.'),
};

const dateChanged: TransitionDefinition = {
  by: ['prison'],
  target: 'observation',
  data: z.strictObject({ releaseDate: date(), reason: text(1000).optional() }),
  assign: ['changeReleaseDate'],
  signals: [{ to: 'children', protocol: 'halfway-house', event: 'ARRIVAL_DATE_CHANGED', data: 'arrivalFollowsRelease' }],
  description: t('The release date changes: every deadline of this case and its linked cases moves.'),
};

const ownerTransferred: TransitionDefinition = {
  by: ['prison'],
  target: 'observation',
  data: z.strictObject({ toOrganisationId: z.uuid(), reason: text(1000).optional() }),
  guards: ['transfereeIsPrison'],
  assign: ['transferOwner'],
  // After the transfer the prison part is the receiving prison.
  tells: [{ rule: 'plan_transferred', title: t('A pre-release plan was transferred to your prison'), notify: ['prison'] }],
  records: [{ class: 'custody', set: { facilityOrganisationId: { event: 'toOrganisationId' } } }],
  description: t('The person moves prison; the new prison owns the plan.'),
};

const cancelled: TransitionDefinition = { by: ['prison'], target: 'cancelled', data: reason(), description: t('The plan is cancelled.') };

/** 30, 14 and 7 days before release: remind each party whose pathways are not done. */
const releaseReminder = (days: 30 | 14 | 7): DeadlineDefinition => ({
  kind: 'reminder',
  title: t(`Release in ${n.days}: pathways not done`),
  activeIn: ['planning', 'plan_agreed'],
  due: { anchor: 'releaseDate', type: 'date', days: -days },
  condition: 'somePathwayOpen',
  notify: { resolver: 'partiesWithOpenPathways' },
});

const releasedWithoutPlan: AlertDefinition = {
  rule: 'released_without_plan',
  title: t('Released without an agreed plan'),
  notify: ['@region_coordinator'],
};

/** The handover to the NGO patron (DOMAIN.md §5): the prison sends, the plan's NGO receives. */
const patronageHandover = { protocol: 'patronage', parties: { sender: { part: 'prison' }, ngo: { part: 'ngo' } }, data: 'patronageHandover' } as const;

/**
 * DOMAIN.md, "Release propagates": the actual release time goes into the person's custody record,
 * the person's open unit enrolment ends as released, and a linked halfway-house case that has not
 * seen the person arrive expects them on the actual release date.
 */
const releasePropagates = {
  records: [{ class: 'custody', set: { actualReleaseAt: { event: 'releasedAt' } } }],
  signals: [
    { to: 'person', protocol: 'unit-enrolment', event: 'RELEASED', data: 'unitEndsOnRelease' },
    { to: 'children', protocol: 'halfway-house', event: 'ARRIVAL_DATE_CHANGED', data: 'arrivalOnRelease' },
  ],
} as const satisfies Pick<TransitionDefinition, 'records' | 'signals'>;

const releaseData = z.strictObject({ releasedAt: dateTime(), releaseAddress: text(500), contactPhone: phone().optional() });

export const preRelease = {
  id: 'pre-release',
  version: 1,
  title: t('Pre-release planning'),
  description: t('Seven resettlement pathways agreed between prison, probation and the NGO patron before release day.'),
  parts: {
    prison: { title: t('Prison'), kinds: ['prison'], required: true },
    probation: { title: t('Probation service'), kinds: ['probation'], required: true },
    ngo: { title: t('NGO (patron after release)'), kinds: ['ngo'], required: false, certified: true, needsConsent: true },
    halfway_house: { title: t('Halfway house'), kinds: ['halfway_house'], required: false, certified: true },
    provider: { title: t('Treatment provider'), kinds: ['treatment_provider'], required: false, certified: true },
  },
  opening: {
    roles: ['prison_staff'],
    ownerPart: 'prison',
    data: z.strictObject({ releaseDate: date() }),
    assign: ['initPathways'],
    retires: [{ protocol: 'unit-enrolment', deadline: 'pre_release_planning' }],
  },
  initial: 'planning',
  states: {
    planning: {
      title: t('Planning'),
      on: {
        PATHWAY_UPDATED: {
          by: ALL_PARTS,
          target: 'observation',
          data: z.strictObject({
            pathway: z.enum(PATHWAYS),
            status: z.enum(['not_started', 'in_progress', 'done', 'not_needed']),
            organisationId: z.uuid().optional(),
            note: text(2000).optional(),
          }),
          guards: ['actingOrganisationIsParty'],
          assign: ['updatePathway'],
          description: t('A pathway’s status, acting organisation and note.'),
        },
        HALFWAY_HOUSE_REFERRED: referred,
        RELEASE_DATE_CHANGED: dateChanged,
        OWNER_TRANSFERRED: ownerTransferred,
        PLAN_AGREED: {
          by: ['prison'],
          target: 'plan_agreed',
          data: z.strictObject({ note: text(2000).optional() }),
          guards: ['allPathwaysSettled', 'ngoPartWithConsent'],
          description: t('Every pathway done or not needed, and an NGO part with a consent naming it.'),
        },
        RELEASED_WITHOUT_PLAN: {
          by: ['prison'],
          target: 'released',
          data: z.strictObject({ releasedAt: dateTime(), releaseAddress: text(500).optional(), contactPhone: phone().optional(), reason: text(1000) }),
          assign: ['recordRelease'],
          tells: [releasedWithoutPlan],
          opens: [{ ...patronageHandover, when: 'hasNgoPart' }],
          ...releasePropagates,
          description: t('Released before a plan was agreed: escalated to the coordinator; patronage opens if an NGO is named.'),
        },
        CANCELLED: cancelled,
      },
    },
    plan_agreed: {
      title: t('Plan agreed'),
      on: {
        HALFWAY_HOUSE_REFERRED: referred,
        RELEASE_DATE_CHANGED: dateChanged,
        OWNER_TRANSFERRED: ownerTransferred,
        PLAN_REOPENED: { by: ['prison'], target: 'planning', data: reason(), description: t('The plan is reopened.') },
        RELEASED: {
          by: ['prison'],
          target: 'released',
          data: releaseData,
          assign: ['recordRelease'],
          opens: [patronageHandover],
          ...releasePropagates,
          description: t('Released with the release time and address; opens the patronage case.'),
        },
        CANCELLED: cancelled,
      },
    },
    released: {
      title: t('Released'),
      on: {
        PATRONAGE_ACKNOWLEDGED: {
          by: ['system'],
          target: 'closed',
          data: z.strictObject({}),
          description: t('Closes itself when its patronage case is acknowledged.'),
        },
        PATRONAGE_ENDED: {
          by: ['system'],
          target: 'closed',
          data: z.strictObject({}),
          description: t('Closes itself when its patronage case is closed without being acknowledged (declined, then closed by the sender).'),
        },
      },
    },
    cancelled: { title: t('Cancelled'), final: true },
    closed: { title: t('Closed'), final: true },
  },
  anyState: { PARTY_ASSIGNED: partyAssigned(['prison']) },
  deadlines: {
    pathways_not_started: {
      kind: 'deadline',
      title: t(`All pathways still not started ${n.days} before release`),
      activeIn: ['planning'],
      due: { anchor: 'releaseDate', type: 'date', days: -56 },
      condition: 'allPathwaysNotStarted',
      notify: ['prison'],
    },
    release_in_30_days: releaseReminder(30),
    release_in_14_days: releaseReminder(14),
    release_in_7_days: releaseReminder(7),
    planning_escalation: {
      kind: 'escalation',
      title: t(`Still planning ${n.workingDays} before release`),
      activeIn: ['planning'],
      due: { anchor: 'releaseDate', type: 'date', workingDays: -2 },
      notify: ['@region_coordinator'],
    },
    release_day: {
      kind: 'reminder',
      title: t('Release day'),
      activeIn: ['planning', 'plan_agreed'],
      due: { anchor: 'releaseDate', type: 'date' },
      notify: { resolver: 'allParties' },
    },
  },
  consent: { watchedPart: 'ngo' },
  fieldClasses: {
    releaseDate: 'custody',
    pathways: { keys: { health_continuity: 'health', identity_documents: 'identity' }, otherwise: 'social' },
    releasedAt: 'custody',
    releaseAddress: 'contact',
    closedOn: null,
  },
  eventClasses: {
    PATHWAY_UPDATED: { field: 'pathway', values: { health_continuity: 'health', identity_documents: 'identity' }, otherwise: 'social' },
    HALFWAY_HOUSE_REFERRED: 'social',
    RELEASE_DATE_CHANGED: 'custody',
    OWNER_TRANSFERRED: 'custody',
    PLAN_AGREED: null,
    PLAN_REOPENED: 'social',
    RELEASED: 'contact',
    RELEASED_WITHOUT_PLAN: 'contact',
    CANCELLED: 'custody',
    PATRONAGE_ACKNOWLEDGED: null,
    PATRONAGE_ENDED: null,
    PARTY_ASSIGNED: null,
  },
} as const satisfies ProtocolDefinition;
