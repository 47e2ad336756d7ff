import { addDays, localDateOf, zonedInstant } from './time.js';
import { num, pathwaysOf, str, type RuleInput } from './registry.js';
import { SERVICE_TEXTS } from './vocabulary.js';

/**
 * Named builders the protocol data uses for what crosses from one case to another: the data of
 * a chained case or a signalled event (`opens`, `signals`), and how a stay covers a date
 * (`capacity.covers`). Pure, like the rest of the registry.
 */

type Data = Record<string, unknown>;
export type ChainInput = RuleInput & { next: { data: Data } };

export const CHAIN_DATA = {
  /** A halfway-house referral expects the person on the plan's release date, for the stay asked for (else the house's own). */
  halfwayHouseReferral: ({ snapshot, eventData }) => {
    const data: Data = { expectedArrivalDate: str(snapshot.data.releaseDate) };
    if (num(eventData.maxStayDays)) data.maxStayDays = num(eventData.maxStayDays);
    if (str(eventData.note)) data.referralNote = str(eventData.note);
    return data;
  },
  /**
   * The patronage handover package (docs/DOMAIN.md, "Handover package"): release time and address, the contact phone,
   * the plan's patronage note (the patronage plan) and health-continuity note (continuity of care), probation.
   */
  patronageHandover: ({ snapshot, eventData }) => {
    const data: Data = {
      releasedAt: str(eventData.releasedAt),
      releaseAddressPlan: str(eventData.releaseAddress) ?? SERVICE_TEXTS.addressNotRecorded,
      patronagePlan: pathwaysOf(snapshot.data).patronage?.note ?? SERVICE_TEXTS.seePlan,
    };
    const phone = str(eventData.contactPhone);
    if (phone) data.contactPhone = phone;
    const continuity = pathwaysOf(snapshot.data).health_continuity?.note;
    if (continuity) data.continuityOfCare = continuity;
    const probation = snapshot.parties.find((party) => party.part === 'probation')?.organisationId;
    if (probation) data.probationOrganisationId = probation;
    return data;
  },
  /**
   * The handover to patronage after a completed rehabilitation (stage V), as after a release: the day the person
   * left the centre (the time of the completion when it is today), the programme's goals as the continuity of care.
   */
  rehabilitationHandover: ({ snapshot, eventData, now }) => {
    const on = str(eventData.date)!;
    const releasedAt = on === localDateOf(now, snapshot.facts.timeZone) ? now : zonedInstant(on, 12, snapshot.facts.timeZone);
    const programme = (snapshot.data.programme ?? {}) as Data;
    const data: Data = {
      releasedAt: releasedAt.toISOString(),
      releaseAddressPlan: SERVICE_TEXTS.addressNotRecorded,
      patronagePlan: str(eventData.note) ?? SERVICE_TEXTS.seeProgramme,
    };
    if (str(programme.goals)) data.continuityOfCare = str(programme.goals)!.slice(0, 2000);
    return data;
  },
  /** A release ends the person's unit enrolment on the day of release (in the prison's time zone). */
  unitEndsOnRelease: ({ snapshot, eventData }) => ({ date: localDateOf(new Date(str(eventData.releasedAt)!), snapshot.facts.timeZone) }),
  /** A house that has not seen the person arrive expects them on the actual release day. */
  arrivalOnRelease: ({ snapshot, eventData }) => ({
    expectedArrivalDate: localDateOf(new Date(str(eventData.releasedAt)!), snapshot.facts.timeZone),
    reason: SERVICE_TEXTS.released,
  }),
  /** The arrival date follows the new release date. */
  arrivalFollowsRelease: ({ eventData }) => ({ expectedArrivalDate: str(eventData.releaseDate), reason: SERVICE_TEXTS.releaseDateChanged }),
} as const satisfies Record<string, (input: ChainInput) => Data>;
export type ChainDataName = keyof typeof CHAIN_DATA;

/** Whether a case in a capacity state takes its place on a date. */
export const COVERS = {
  /** A stay takes a bed from arrival (expected, or actual once resident) for its maximum stay. */
  stayCovers: (state: string, data: Data, date: string) => {
    const start = String(state === 'resident' ? data.arrivedOn : data.expectedArrivalDate);
    const end = state === 'resident' ? String(data.stayEndDate) : addDays(start, Number(data.maxStayDays ?? 0));
    return start <= date && date < end;
  },
} as const satisfies Record<string, (state: string, data: Data, date: string) => boolean>;
export type CoversName = keyof typeof COVERS;
