import { courtOrderedTreatment } from './court-ordered-treatment.js';
import { halfwayHouse } from './halfway-house.js';
import { patronage } from './patronage.js';
import { preRelease } from './pre-release.js';
import type { ProtocolDefinition } from './types.js';
import { unitEnrolment } from './unit-enrolment.js';

/** The five CADAP protocols, by id. */
export const PROTOCOLS: Readonly<Record<string, ProtocolDefinition>> = {
  [courtOrderedTreatment.id]: courtOrderedTreatment,
  [unitEnrolment.id]: unitEnrolment,
  [preRelease.id]: preRelease,
  [halfwayHouse.id]: halfwayHouse,
  [patronage.id]: patronage,
};

export const PROTOCOL_IDS = Object.keys(PROTOCOLS);

export function protocolById(id: string): ProtocolDefinition | undefined {
  return Object.hasOwn(PROTOCOLS, id) ? PROTOCOLS[id] : undefined;
}

export type { ProtocolDefinition } from './types.js';
