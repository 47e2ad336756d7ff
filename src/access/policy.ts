import type { Executor } from '../../db/client.js';
import type { Actor } from '../auth/authenticator.js';
import { NON_PERSONAL_ROLES, type DataClass } from '../domain.js';

/**
 * On what basis a data class is disclosed. `party`, `court_order`, `consent` and
 * `break_glass` come with cases and consents (the sharing rule's table); `record_owner`
 * and `region_coordinator` are rules 2 and 3 of DOMAIN.md's sharing rule.
 */
export type Basis = 'record_owner' | 'region_coordinator' | 'party' | 'court_order' | 'consent' | 'break_glass';

export type ParticipantFacts = { id: string; ownerOrganisationId: string; region: string };

export type Disclosure = {
  /** Each data class this actor may see of this participant, with the basis. Empty: the participant does not exist for them. */
  classes: Map<DataClass, Basis>;
  /** Whether other organisations' notes are disclosed (only under consent); an organisation always sees its own. */
  othersNotes: boolean;
};

export const NOTHING: Disclosure = { classes: new Map(), othersNotes: false };

/**
 * The one access policy for personal data: which classes of which participant an actor's
 * organisation may see, and why. Default deny. Every path that reads or writes personal
 * data asks here, and nowhere else.
 *
 * This is the foundation's rule: the record owner sees `identity` and `contact` (rule 2 of
 * DOMAIN.md). Parties to cases, consents, the region's coordinator and break-glass widen it
 * as those arrive; they are added here, not at the call sites.
 */
export async function participantDisclosure(_db: Executor, actor: Actor, participant: ParticipantFacts, _now: Date): Promise<Disclosure> {
  if (actor.roles.every((role) => NON_PERSONAL_ROLES.includes(role))) return NOTHING;
  const classes = new Map<DataClass, Basis>();
  const grant = (dataClass: DataClass, basis: Basis) => {
    if (!classes.has(dataClass)) classes.set(dataClass, basis);
  };
  if (participant.ownerOrganisationId === actor.organisation.id) {
    grant('identity', 'record_owner');
    grant('contact', 'record_owner');
  }
  return { classes, othersNotes: false };
}

export function isVisible(disclosure: Disclosure): boolean {
  return disclosure.classes.size > 0;
}
