import { z } from 'zod';
import { date, dateTime, empty, n, partyAssigned, phone, reason, t, text } from './common.js';
import type { NoticeDeadline, ProtocolDefinition, TransitionDefinition } from './types.js';

/** DOMAIN.md §5: handover to post-release patronage. The sender owns the case. */

const lost: TransitionDefinition = {
  by: ['ngo'],
  target: 'lost_contact',
  data: z.strictObject({ note: text(1000).optional() }),
  description: t('Contact with the person is lost.'),
};
const custody: TransitionDefinition = {
  by: ['ngo', 'sender'],
  target: 'returned_to_custody',
  data: z.strictObject({ date: date(), note: text(1000).optional() }),
  description: t('The person is back in custody.'),
};
const withdrawn: TransitionDefinition = {
  by: ['ngo'],
  target: 'withdrawn',
  data: reason(),
  assign: ['withdraw'],
  description: t('The person declines patronage; motivational follow-ups follow.'),
};

/**
 * docs/DOMAIN.md, "Motivation after a refusal". For 90 days after `WITHDRAWN` the
 * NGO (which knows the person after release) is reminded in each of the three months to make a
 * motivational contact, every four weeks so that the third falls inside the window; then the
 * case closes itself (`withdrawal_window_ends`).
 */
const WINDOW_DAYS = 90;
const motivation = (month: 1 | 2 | 3): NoticeDeadline => ({
  kind: 'reminder',
  title: t(`A motivational contact is due: ${n.days} since the person declined patronage`),
  activeIn: ['withdrawn'],
  due: { anchor: 'withdrawnOn', type: 'date', days: month * 28 },
  notify: ['ngo'],
});

const followUp = (month: 3 | 6 | 12) => ({
  kind: 'reminder' as const,
  title: t(`Follow-up due ${n.months} after release`),
  activeIn: ['active'],
  due: { anchor: 'releaseDate', type: 'date' as const, months: month },
  condition: `followUp${month}Missing` as const,
  notify: ['ngo'],
});

export const patronage = {
  id: 'patronage',
  version: 1,
  title: t('Post-release patronage'),
  description: t('The handover from prison or probation to an NGO patron: acknowledgement, first contact, regular contacts and follow-ups for a year.'),
  parts: {
    // A coordinator sends when a completed rehabilitation hands the person over (rehabilitation-certificate, stage V).
    sender: { title: t('Sender'), kinds: ['prison', 'probation', 'coordinator'], required: true },
    ngo: { title: t('NGO patron'), kinds: ['ngo'], required: true, certified: true, needsConsent: true },
    coordinator: { title: t('Regional coordinator'), kinds: ['coordinator'], required: true, automatic: 'region_coordinator' },
  },
  opening: {
    roles: ['prison_staff', 'probation_officer'],
    ownerPart: 'sender',
    data: z.strictObject({
      releasedAt: dateTime(),
      releaseAddressPlan: text(1000),
      continuityOfCare: text(2000).optional(),
      patronagePlan: text(5000),
      contactPhone: phone().optional(),
      probationOrganisationId: z.uuid().optional(),
    }),
    assign: ['sent'],
  },
  initial: 'sent',
  states: {
    sent: {
      title: t('Sent'),
      on: {
        ACKNOWLEDGED: {
          by: ['ngo'],
          target: 'acknowledged',
          data: z.strictObject({ caseworker: text(200), plannedFirstContact: date() }),
          assign: ['acknowledge'],
          signals: [{ to: 'parent', protocol: 'pre-release', event: 'PATRONAGE_ACKNOWLEDGED' }],
          description: t('The NGO takes the handover: caseworker and planned first contact.'),
        },
        DECLINED: {
          by: ['ngo'],
          target: 'declined',
          data: reason(),
          assign: ['declined'],
          tells: [{ rule: 'handover_declined', title: t('The NGO declined the handover: send it to another NGO or close the case'), notify: ['sender'] }],
          description: t('The NGO declines, with a reason.'),
        },
      },
    },
    declined: {
      title: t('Declined'),
      on: {
        RESENT: {
          by: ['sender'],
          target: 'sent',
          data: z.strictObject({ ngoOrganisationId: z.uuid() }),
          guards: ['anotherNgoWithConsent'],
          assign: ['resend'],
          description: t('Sent again to another NGO (with a consent naming it).'),
        },
        CLOSED: {
          by: ['sender'],
          target: 'closed',
          data: reason(),
          // The plan that opened it is over too: no handover will acknowledge it.
          signals: [{ to: 'parent', protocol: 'pre-release', event: 'PATRONAGE_ENDED' }],
          description: t('The sender closes the handover, with a reason, instead of sending it again.'),
        },
      },
    },
    acknowledged: {
      title: t('Acknowledged'),
      on: {
        FIRST_CONTACT_MADE: {
          by: ['ngo'],
          target: 'active',
          data: z.strictObject({ at: dateTime(), how: z.enum(['in_person', 'phone', 'video', 'other']) }),
          assign: ['firstContact'],
          description: t('The first contact: when and how.'),
        },
        LOST_CONTACT: lost,
        RETURNED_TO_CUSTODY: custody,
        WITHDRAWN: withdrawn,
      },
    },
    active: {
      title: t('Active'),
      on: {
        CONTACT_RECORDED: {
          by: ['ngo'],
          target: 'observation',
          data: z.strictObject({
            date: date(),
            kind: z.enum(['in_person', 'phone', 'video', 'group', 'other']),
            outcome: text(2000),
            referralsMade: z.array(text(200)).max(20).optional(),
          }),
          assign: ['advanceContact'],
          description: t('A contact; the next is due in a week (monthly after 12 weeks).'),
        },
        FOLLOW_UP_RECORDED: {
          by: ['ngo'],
          target: 'observation',
          data: z.strictObject({
            month: z.union([z.literal(3), z.literal(6), z.literal(12)]),
            housing: z.enum(['stable', 'unstable', 'homeless', 'unknown']),
            work: z.enum(['employed', 'education', 'unemployed', 'unknown']),
            substanceUse: z.enum(['abstinent', 'reduced', 'using', 'ost', 'unknown']),
            reoffending: z.boolean(),
          }),
          guards: ['followUpNotYetRecorded', 'followUpWindowOpen'],
          assign: ['recordFollowUp'],
          description: t('The follow-up at month 3, 6 or 12: housing, work, substance use, reoffending.'),
        },
        COMPLETED: {
          by: ['ngo'],
          target: 'completed',
          data: z.strictObject({ note: text(1000).optional() }),
          description: t('Patronage completed.'),
        },
        LOST_CONTACT: lost,
        RETURNED_TO_CUSTODY: custody,
        WITHDRAWN: withdrawn,
      },
    },
    completed: { title: t('Completed'), final: true },
    lost_contact: { title: t('Lost contact'), final: true },
    returned_to_custody: { title: t('Returned to custody'), final: true },
    withdrawn: {
      title: t('Withdrawn'),
      on: {
        MOTIVATIONAL_CONTACT_RECORDED: {
          by: ['ngo'],
          target: 'observation',
          data: z.strictObject({ date: date(), outcome: text(2000) }),
          description: t('A motivational contact with the person who declined: date and outcome.'),
        },
        RE_ENGAGED: {
          by: ['ngo'],
          target: 'active',
          data: z.strictObject({ date: date(), note: text(1000).optional() }),
          assign: ['reEngage'],
          description: t('The person takes up patronage again: contacts are due weekly again, for 12 weeks from this date, then monthly.'),
        },
        WITHDRAWAL_EXPIRED: {
          by: ['system'],
          target: 'closed_after_refusal',
          data: empty(),
          description: t('The service closes the case when the window after the refusal ends without a re-engagement.'),
        },
      },
    },
    closed: { title: t('Closed without patronage'), final: true },
    closed_after_refusal: { title: t('Closed after a refusal'), final: true },
  },
  anyState: { PARTY_ASSIGNED: partyAssigned(['sender']) },
  deadlines: {
    acknowledgement_overdue: {
      kind: 'escalation',
      title: t(`Not acknowledged ${n.hours} after sending`),
      activeIn: ['sent'],
      due: { anchor: 'sentAt', type: 'datetime', hours: 48 },
      notify: ['coordinator'],
    },
    first_contact_overdue: {
      kind: 'deadline',
      title: t(`No first contact ${n.hours} after release`),
      activeIn: ['sent', 'acknowledged'],
      due: { anchor: 'releasedAt', type: 'datetime', hours: 72 },
      notify: { resolver: 'senderAndProbation' },
    },
    resend_overdue: {
      kind: 'escalation',
      title: t(`Declined handover neither sent again nor closed ${n.workingDays} later`),
      activeIn: ['declined'],
      due: { anchor: 'declinedOn', type: 'date', workingDays: 2 },
      notify: ['@region_coordinator'],
    },
    contact_due: {
      kind: 'reminder',
      title: t('A contact is due'),
      activeIn: ['active'],
      due: { anchor: 'nextContactDue', type: 'date' },
      notify: ['ngo'],
    },
    follow_up_3_months: followUp(3),
    follow_up_6_months: followUp(6),
    follow_up_12_months: followUp(12),
    motivational_follow_up_1: motivation(1),
    motivational_follow_up_2: motivation(2),
    motivational_follow_up_3: motivation(3),
    withdrawal_window_ends: {
      kind: 'timeout',
      title: t(`The case closes itself ${n.days} after the refusal`),
      activeIn: ['withdrawn'],
      due: { anchor: 'withdrawnOn', type: 'date', days: WINDOW_DAYS },
      sends: 'WITHDRAWAL_EXPIRED',
    },
  },
  consent: { watchedPart: 'ngo' },
  fieldClasses: {
    releasedAt: 'custody',
    releaseDate: 'custody',
    releaseAddressPlan: 'contact',
    contactPhone: 'contact',
    continuityOfCare: 'health',
    patronagePlan: 'social',
    probationOrganisationId: null,
    sentAt: null,
    declinedOn: null,
    acknowledgedAt: null,
    caseworker: null,
    plannedFirstContact: null,
    firstContactOn: 'contact',
    lastContactOn: 'contact',
    nextContactDue: 'contact',
    followUpsRecorded: 'social',
    withdrawnOn: null,
    reEngagedOn: 'contact',
    closedOn: null,
  },
  eventClasses: {
    ACKNOWLEDGED: null,
    DECLINED: 'social',
    RESENT: null,
    CLOSED: 'social',
    FIRST_CONTACT_MADE: 'contact',
    CONTACT_RECORDED: 'contact',
    FOLLOW_UP_RECORDED: 'social',
    COMPLETED: null,
    LOST_CONTACT: 'contact',
    RETURNED_TO_CUSTODY: 'custody',
    WITHDRAWN: 'social',
    MOTIVATIONAL_CONTACT_RECORDED: 'contact',
    RE_ENGAGED: 'contact',
    WITHDRAWAL_EXPIRED: null,
    PARTY_ASSIGNED: null,
  },
} as const satisfies ProtocolDefinition;
