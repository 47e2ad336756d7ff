import { z } from 'zod';
import type { LocalizedText, StateDefinition, TransitionDefinition } from './types.js';

/** Building blocks shared by the protocol definitions. */

export const date = () => z.iso.date();
export const dateTime = () => z.iso.datetime({ offset: true });
export const text = (max = 2000) => z.string().trim().min(1).max(max);
export const reason = () => z.strictObject({ reason: text(1000) });
export const empty = () => z.strictObject({});

export const t = (en: string, ru: string): LocalizedText => ({ en, ru });

/** The owner assigns or replaces a party; naming an NGO needs a consent that names it (DOMAIN.md, "Case"). */
export function partyAssigned(ownerParts: readonly string[]): TransitionDefinition {
  return {
    by: ownerParts,
    target: 'observation',
    data: z.strictObject({ part: z.string().min(1).max(40), organisationId: z.uuid() }),
    guards: ['partyAssignable'],
    assign: ['assignParty'],
    description: t('The owner names or replaces the organisation filling a part.', 'Владелец назначает или заменяет организацию-участника.'),
  };
}

/** Adds `PARTY_ASSIGNED` to every non-final state. */
export function withPartyAssignment<S extends Record<string, StateDefinition>>(states: S, ownerParts: readonly string[]): S {
  const out: Record<string, StateDefinition> = {};
  for (const [name, state] of Object.entries(states)) {
    out[name] = state.final ? state : { ...state, on: { ...state.on, PARTY_ASSIGNED: partyAssigned(ownerParts) } };
  }
  return out as S;
}
