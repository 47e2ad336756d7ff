import { z } from 'zod';
import { date, motivationalFollowUp, n, partyAssigned, t, text } from './common.js';
import type { DeadlineDefinition, ProtocolDefinition, TransitionDefinition } from './types.js';

/**
 * DOMAIN.md §6: voluntary rehabilitation paid by an earmarked certificate (stages I–V of the
 * regional model). The region's coordinator (the regional agency) opens and owns the case; the
 * person chooses a certified centre; the centre claims against the certificate's balance and the
 * coordinator decides each claim. Completion hands the person over to the NGO's patronage.
 */

export const CURRENCIES = ['KZT', 'KGS', 'UZS', 'TJS', 'TMT'] as const;

/** States in which the certificate is live: its balance, its end and its claims. */
const LIVE = ['certified', 'centre_chosen', 'contracted', 'in_rehabilitation'] as const;

const centreChoice = z.strictObject({ centreOrganisationId: z.uuid(), choice: z.literal('person') });

const claimDecided: TransitionDefinition = {
  by: ['coordinator'],
  target: 'observation',
  data: z
    .strictObject({ claimId: z.uuid(), decision: z.enum(['approved', 'rejected']), reason: text(1000).optional() })
    .refine((value) => value.decision === 'approved' || value.reason !== undefined, { path: ['reason'], message: 'A rejected claim needs a reason.' }),
  guards: ['claimPending'],
  assign: ['decideClaim'],
  stamp: ['certificate'],
  description: t('The coordinator approves or rejects a pending claim (a rejection with a reason); an approved claim reduces the balance.'),
};

const droppedOut: TransitionDefinition = {
  by: ['centre', 'coordinator'],
  target: 'dropped_out',
  data: z.strictObject({ date: date(), reason: text(1000) }),
  guards: ['noPendingClaims'],
  description: t('The person leaves the programme; motivational follow-ups follow, as after a withdrawal.'),
};

const expired: TransitionDefinition = {
  by: ['system'],
  target: 'expired',
  data: z.strictObject({}),
  assign: ['lapseClaims'],
  stamp: ['certificate'],
  description: t('The service closes the case at the certificate’s end date; claims still pending lapse as rejected.'),
};

const motivation = (month: 1 | 2 | 3): DeadlineDefinition => motivationalFollowUp(month, 'dropped_out', ['coordinator']);

export const rehabilitationCertificate = {
  id: 'rehabilitation-certificate',
  version: 1,
  title: t('Rehabilitation certificate'),
  description: t(
    'Voluntary rehabilitation paid by an earmarked certificate: the region’s coordinator assesses the person and issues the certificate, the person chooses a certified centre, the centre claims against the balance and the NGO takes over after completion.',
  ),
  parts: {
    coordinator: { title: t('Regional coordinator'), kinds: ['coordinator'], required: true, automatic: 'region_coordinator' },
    centre: { title: t('Rehabilitation centre'), kinds: ['treatment_provider'], required: false, certified: true, filledBy: ['CENTRE_CHOSEN', 'CENTRE_CHANGED'] },
    ngo: { title: t('NGO (social patronage)'), kinds: ['ngo'], required: false, needsConsent: true, fromData: 'ngoOrganisationId' },
    referrer: {
      title: t('Referrer'),
      kinds: ['prison', 'court', 'probation', 'treatment_provider', 'ngo', 'halfway_house'],
      required: false,
      fromData: 'referrerOrganisationId',
    },
  },
  opening: {
    roles: ['coordinator'],
    ownerPart: 'coordinator',
    data: z.strictObject({
      source: z.enum(['self', 'police', 'court', 'prison', 'ngo', 'health']),
      referredOn: date(),
      referrerOrganisationId: z.uuid().optional(),
      ngoOrganisationId: z.uuid().optional(),
      note: text(2000).optional(),
    }),
  },
  initial: 'referred',
  states: {
    referred: {
      title: t('Referred'),
      on: {
        DIAGNOSIS_RECORDED: {
          by: ['coordinator'],
          target: 'assessed',
          data: z.strictObject({ date: date(), summary: text(5000) }),
          assign: ['recordDiagnosis'],
          description: t('The socio-psychological diagnosis: date and summary.'),
        },
      },
    },
    assessed: {
      title: t('Assessed'),
      on: {
        PROGRAMME_PREPARED: {
          by: ['coordinator'],
          target: 'programme_ready',
          data: z.strictObject({ goals: text(5000), stages: z.array(text(200)).min(1).max(20), plannedDays: z.number().int().min(1).max(730) }),
          assign: ['recordProgramme'],
          description: t('The individual rehabilitation programme: goals, stages and planned days.'),
        },
      },
    },
    programme_ready: {
      title: t('Programme ready'),
      on: {
        CERTIFICATE_ISSUED: {
          by: ['coordinator'],
          target: 'certified',
          data: z.strictObject({
            number: text(50),
            value: z.number().int().positive().max(1_000_000_000_000),
            currency: z.enum(CURRENCIES).optional(),
            validUntil: date(),
          }),
          facts: ['consentOnCase'],
          guards: ['validUntilAfterToday', 'informedConsentRecorded'],
          assign: ['issueCertificate'],
          description: t('The certificate: number, value in the country’s currency (minor units) and end date; needs the person’s informed consent.'),
        },
      },
    },
    certified: {
      title: t('Certified'),
      on: {
        CENTRE_CHOSEN: {
          by: ['coordinator'],
          target: 'centre_chosen',
          data: centreChoice,
          guards: ['centreCertified'],
          assign: ['chooseCentre'],
          description: t('The centre the person chose from the registry (certified on that day), recorded as the person’s choice.'),
        },
        CLAIM_DECIDED: claimDecided,
        CERTIFICATE_EXPIRED: expired,
      },
    },
    centre_chosen: {
      title: t('Centre chosen'),
      on: {
        CONTRACT_SIGNED: {
          by: ['coordinator'],
          target: 'contracted',
          data: z.strictObject({ signedOn: date(), parties: z.strictObject({ ngo: z.boolean(), family: z.boolean() }), note: text(2000).optional() }),
          assign: ['signContract'],
          description: t('The multilateral social contract: the person, the centre, the agency, and optionally the NGO and a family member.'),
        },
        CLAIM_DECIDED: claimDecided,
        CERTIFICATE_EXPIRED: expired,
      },
    },
    contracted: {
      title: t('Contracted'),
      on: {
        ADMITTED: {
          by: ['centre'],
          target: 'in_rehabilitation',
          data: z.strictObject({ date: date() }),
          assign: ['admitToCentre'],
          description: t('The centre admits the person.'),
        },
        CLAIM_DECIDED: claimDecided,
        DROPPED_OUT: droppedOut,
        CERTIFICATE_EXPIRED: expired,
      },
    },
    in_rehabilitation: {
      title: t('In rehabilitation'),
      on: {
        STAGE_COMPLETED: {
          by: ['centre'],
          target: 'observation',
          data: z.strictObject({ stage: text(200), date: date(), note: text(2000).optional() }),
          description: t('A stage of the programme is completed.'),
        },
        SERVICE_CLAIMED: {
          by: ['centre'],
          target: 'observation',
          data: z
            .strictObject({ periodFrom: date(), periodTo: date(), amount: z.number().int().positive().max(1_000_000_000_000), note: text(1000).optional() })
            .refine((value) => value.periodFrom <= value.periodTo, { path: ['periodTo'], message: 'The period ends before it starts.' }),
          guards: ['claimWithinBalance', 'claimPeriodAllowed'],
          assign: ['recordClaim'],
          stamp: ['certificate'],
          description: t('The centre claims payment for a period; never above the balance left after approved and pending claims; pending until the coordinator decides.'),
        },
        CLAIM_DECIDED: claimDecided,
        CENTRE_CHANGED: {
          by: ['coordinator'],
          target: 'centre_chosen',
          data: z.strictObject({ centreOrganisationId: z.uuid(), reason: text(1000) }),
          guards: ['centreCertified'],
          assign: ['chooseCentre'],
          description: t('The person changes centre: the new centre (certified on that day) fills the centre part and the balance follows the person.'),
        },
        COMPLETED: {
          by: ['centre'],
          target: 'completed',
          data: z.strictObject({ date: date(), note: text(2000).optional() }),
          guards: ['noPendingClaims'],
          opens: [
            {
              protocol: 'patronage',
              parties: { sender: { part: 'coordinator' }, ngo: { part: 'ngo' } },
              data: 'rehabilitationHandover',
              when: 'hasNgoPart',
            },
          ],
          description: t('The programme is completed (claims decided first); opens patronage with the NGO if one is named (stage V).'),
        },
        DROPPED_OUT: droppedOut,
        CERTIFICATE_EXPIRED: expired,
      },
    },
    completed: { title: t('Completed'), final: true },
    dropped_out: { title: t('Dropped out'), final: true },
    expired: { title: t('Certificate expired'), final: true },
  },
  anyState: { PARTY_ASSIGNED: partyAssigned(['coordinator']) },
  deadlines: {
    centre_not_chosen: {
      kind: 'reminder',
      title: t(`No centre chosen ${n.days} after the certificate`),
      activeIn: ['certified'],
      due: { anchor: 'certifiedOn', type: 'date', days: 14 },
      notify: ['coordinator'],
    },
    admission_overdue: {
      kind: 'deadline',
      title: t(`No admission ${n.workingDays} after the contract`),
      activeIn: ['contracted'],
      due: { anchor: 'contractSignedOn', type: 'date', workingDays: 10 },
      notify: ['coordinator', 'ngo'],
    },
    claim_undecided: {
      kind: 'reminder',
      title: t(`A claim is undecided ${n.workingDays} after it was made`),
      activeIn: LIVE,
      due: { anchor: 'oldestPendingClaimOn', type: 'date', workingDays: 10 },
      notify: ['coordinator'],
    },
    certificate_ending: {
      kind: 'reminder',
      title: t(`The certificate ends in ${n.days}`),
      activeIn: LIVE,
      due: { anchor: 'validUntil', type: 'date', days: -30 },
      notify: ['coordinator', 'centre'],
    },
    certificate_expires: {
      kind: 'timeout',
      title: t('The certificate ends: the case closes itself'),
      activeIn: LIVE,
      due: { anchor: 'validUntil', type: 'date' },
      sends: 'CERTIFICATE_EXPIRED',
    },
    motivational_follow_up_1: motivation(1),
    motivational_follow_up_2: motivation(2),
    motivational_follow_up_3: motivation(3),
  },
  consent: { watchedPart: 'ngo' },
  fieldClasses: {
    source: 'social',
    referredOn: null,
    referrerOrganisationId: null,
    ngoOrganisationId: null,
    note: 'notes',
    diagnosis: 'health',
    programme: 'health',
    certifiedOn: null,
    validUntil: null,
    certificate: 'compliance',
    claims: 'compliance',
    oldestPendingClaimOn: null,
    centreChoices: 'social',
    contract: 'compliance',
    contractSignedOn: null,
    admittedOn: 'compliance',
    closedOn: null,
  },
  // The certificate's money is the coordinator's and the centre's (docs/DOMAIN.md §6), whatever a consent discloses.
  partsOnly: {
    parts: ['coordinator', 'centre'],
    fields: ['certificate', 'claims', 'oldestPendingClaimOn'],
    events: ['CERTIFICATE_ISSUED', 'SERVICE_CLAIMED', 'CLAIM_DECIDED'],
  },
  eventClasses: {
    DIAGNOSIS_RECORDED: 'health',
    PROGRAMME_PREPARED: 'health',
    CERTIFICATE_ISSUED: 'compliance',
    CENTRE_CHOSEN: null,
    CONTRACT_SIGNED: 'compliance',
    ADMITTED: 'compliance',
    STAGE_COMPLETED: 'health',
    SERVICE_CLAIMED: 'compliance',
    CLAIM_DECIDED: 'compliance',
    CENTRE_CHANGED: 'social',
    COMPLETED: 'compliance',
    DROPPED_OUT: 'compliance',
    CERTIFICATE_EXPIRED: null,
    PARTY_ASSIGNED: null,
  },
} as const satisfies ProtocolDefinition;
