import { z } from 'zod';
import { date, reason, t, text, n, partyAssigned } from './common.js';
import type { AlertDefinition, ProtocolDefinition, TransitionDefinition } from './types.js';

/** DOMAIN.md §1: treatment as an alternative sentence. The court owns the case. */

const PROGRAMMES = ['detox', 'outpatient', 'inpatient_drug_free', 'ost', 'rehabilitation_centre', 'therapeutic_community'] as const;

const possibleBreach: AlertDefinition = {
  rule: 'possible_breach',
  title: t('Possible breach: two positive or missed tests within 30 days'),
  notify: ['probation'],
  when: 'twoAdverseTestsWithin30Days',
};

const drugTest: TransitionDefinition = {
  by: ['provider', 'probation'],
  target: 'observation',
  data: z.strictObject({ date: date(), result: z.enum(['negative', 'positive', 'missed', 'refused']), note: text(1000).optional() }),
  assign: ['recordDrugTest'],
  tells: [possibleBreach],
  description: t('A drug test result; two positive or missed tests within 30 days alert probation at once.'),
};

const progressReport: TransitionDefinition = {
  by: ['probation'],
  target: 'observation',
  data: z.strictObject({ date: date(), summary: text(5000), recommendation: z.enum(['continue', 'review']).optional() }),
  assign: ['advanceReportDue'],
  description: t('The periodic report to the court; settles the reporting period it falls in.'),
};

/** The court is told of what it must rule on (docs/DOMAIN.md, "Who is told"). */
const toCourt = (rule: string, title: string): AlertDefinition => ({ rule, title: t(title), notify: ['court'] });

const refused: TransitionDefinition = {
  by: ['provider', 'probation'],
  target: 'breach_review',
  data: reason(),
  assign: ['openBreachReview'],
  tells: [toCourt('person_refused', 'The person refuses treatment: the court rules on it')],
  description: t('The person refuses treatment; reviewed like a breach.'),
};

export const courtOrderedTreatment = {
  id: 'court-ordered-treatment',
  version: 1,
  title: t('Court-ordered treatment'),
  description: t('Treatment as an alternative sentence: the court orders it, a certified provider treats, probation supervises and reports to the court.'),
  parts: {
    court: { title: t('Court'), kinds: ['court'], required: true },
    probation: { title: t('Probation service'), kinds: ['probation'], required: true },
    provider: { title: t('Treatment provider'), kinds: ['treatment_provider'], required: true, certified: true },
    ngo: { title: t('NGO'), kinds: ['ngo'], required: false, certified: true, needsConsent: true },
  },
  opening: {
    roles: ['judge'],
    ownerPart: 'court',
    data: z.strictObject({
      caseNumber: text(100),
      orderDate: date(),
      programme: z.enum(PROGRAMMES),
      durationDays: z.number().int().min(1).max(3650),
      reportingIntervalDays: z.number().int().min(7).max(365).default(30),
    }),
    assign: ['orderEnd'],
  },
  initial: 'ordered',
  states: {
    ordered: {
      title: t('Ordered'),
      on: {
        INTAKE_RECORDED: {
          by: ['provider'],
          target: 'in_treatment',
          data: z.strictObject({ assessmentDate: date(), rehabilitationPlan: text(5000), consentToTreatment: z.literal(true) }),
          assign: ['startReporting'],
          description: t('Intake: assessment, rehabilitation plan, consent to treatment.'),
        },
        PERSON_REFUSED: refused,
      },
    },
    in_treatment: {
      title: t('In treatment'),
      on: {
        ATTENDANCE_RECORDED: {
          by: ['provider'],
          target: 'observation',
          data: z.strictObject({ date: date(), attended: z.boolean(), kind: text(200) }),
          description: t('Attendance at a session.'),
        },
        DRUG_TEST_RECORDED: drugTest,
        PROGRESS_REPORT_SUBMITTED: progressReport,
        BREACH_REPORTED: {
          by: ['probation'],
          target: 'breach_review',
          data: reason(),
          assign: ['openBreachReview'],
          tells: [toCourt('breach_reported', 'A breach of the order is reported: the court rules on it')],
          description: t('Probation reports a breach of the order to the court.'),
        },
        PERSON_REFUSED: refused,
        TREATMENT_COMPLETED: {
          by: ['provider'],
          target: 'completion_review',
          data: z.strictObject({ date: date(), summary: text(5000).optional() }),
          assign: ['openCompletionReview'],
          tells: [toCourt('treatment_completed', 'Treatment is completed: the court decides on discharge')],
          description: t('The provider reports the treatment completed.'),
        },
      },
    },
    breach_review: {
      title: t('Breach under review'),
      on: {
        PROGRESS_REPORT_SUBMITTED: progressReport,
        BREACH_RULED: {
          by: ['court'],
          target: [{ target: 'revoked', when: 'outcomeIsRevoke' }, { target: { history: true } }],
          data: z.strictObject({ outcome: z.enum(['continue', 'revoke']), note: text(2000).optional() }),
          assign: ['endReporting'],
          description: t('The court rules: continue (back to where it was) or revoke the order.'),
        },
      },
    },
    completion_review: {
      title: t('Completion under review'),
      on: {
        ORDER_DISCHARGED: {
          by: ['court'],
          target: 'discharged',
          data: z.strictObject({ date: date(), note: text(2000).optional() }),
          assign: ['endReporting'],
          description: t('The court discharges the order.'),
        },
      },
    },
    revoked: { title: t('Revoked'), final: true },
    discharged: { title: t('Discharged'), final: true },
  },
  anyState: { PARTY_ASSIGNED: partyAssigned(['court']) },
  deadlines: {
    intake_overdue: {
      kind: 'deadline',
      title: t(`No intake ${n.days} after the order`),
      activeIn: ['ordered'],
      due: { anchor: 'orderDate', type: 'date', days: 14 },
      notify: ['probation', 'court'],
    },
    progress_report_reminder: {
      kind: 'reminder',
      title: t(`Progress report due in ${n.days}`),
      activeIn: ['in_treatment', 'breach_review'],
      due: { anchor: 'nextReportDue', type: 'date', days: -3 },
      notify: ['probation'],
    },
    progress_report_overdue: {
      kind: 'deadline',
      title: t('Progress report overdue'),
      activeIn: ['in_treatment', 'breach_review'],
      due: { anchor: 'nextReportDue', type: 'date', days: 1 },
      notify: ['court'],
    },
    ruling_reminder: {
      kind: 'reminder',
      title: t(`A ruling is due: ${n.workingDays} since the breach or refusal was reported`),
      activeIn: ['breach_review'],
      due: { anchor: 'breachReportedOn', type: 'date', workingDays: 7 },
      notify: ['court'],
    },
    ruling_overdue: {
      kind: 'escalation',
      title: t(`No ruling ${n.workingDays} after the breach or refusal was reported`),
      activeIn: ['breach_review'],
      due: { anchor: 'breachReportedOn', type: 'date', workingDays: 10 },
      notify: ['@region_coordinator'],
    },
    discharge_reminder: {
      kind: 'reminder',
      title: t(`A discharge decision is due: ${n.workingDays} since the treatment was completed`),
      activeIn: ['completion_review'],
      due: { anchor: 'completionReportedOn', type: 'date', workingDays: 7 },
      notify: ['court'],
    },
    discharge_overdue: {
      kind: 'escalation',
      title: t(`No discharge decision ${n.workingDays} after the treatment was completed`),
      activeIn: ['completion_review'],
      due: { anchor: 'completionReportedOn', type: 'date', workingDays: 10 },
      notify: ['@region_coordinator'],
    },
    order_ending: {
      kind: 'reminder',
      title: t(`The order ends in ${n.days}`),
      activeIn: ['ordered', 'in_treatment', 'breach_review', 'completion_review'],
      due: { anchor: 'orderEndDate', type: 'date', days: -14 },
      notify: ['provider', 'probation', 'court'],
    },
  },
  consent: { criminalJusticeUntil: 'orderEndDate' },
  fieldClasses: {
    caseNumber: 'legal',
    orderDate: 'legal',
    programme: 'legal',
    durationDays: 'legal',
    reportingIntervalDays: 'legal',
    orderEndDate: 'legal',
    intakeDate: 'compliance',
    nextReportDue: 'compliance',
    adverseTests: 'compliance',
    breachReportedOn: 'compliance',
    completionReportedOn: 'compliance',
    closedOn: null,
  },
  eventClasses: {
    INTAKE_RECORDED: 'health',
    ATTENDANCE_RECORDED: 'compliance',
    DRUG_TEST_RECORDED: 'compliance',
    PROGRESS_REPORT_SUBMITTED: 'compliance',
    BREACH_REPORTED: 'compliance',
    PERSON_REFUSED: 'compliance',
    BREACH_RULED: 'legal',
    TREATMENT_COMPLETED: 'compliance',
    ORDER_DISCHARGED: 'legal',
    PARTY_ASSIGNED: null,
  },
} as const satisfies ProtocolDefinition;
