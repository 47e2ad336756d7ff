import { courtOrderedTreatment } from './court-ordered-treatment.js';
import { halfwayHouse } from './halfway-house.js';
import { patronage } from './patronage.js';
import { preRelease } from './pre-release.js';
import { rehabilitationCertificate } from './rehabilitation-certificate.js';
import { localise } from './texts.js';
import type { ProtocolDefinition } from './types.js';
import { unitEnrolment } from './unit-enrolment.js';

/** The six CADAP protocols, by id. */
export const PROTOCOLS: Readonly<Record<string, ProtocolDefinition>> = Object.fromEntries(
  [courtOrderedTreatment, unitEnrolment, preRelease, halfwayHouse, patronage, rehabilitationCertificate].map((definition) => [definition.id, localise(definition)]),
);

export const PROTOCOL_IDS = Object.keys(PROTOCOLS);

export function protocolById(id: string): ProtocolDefinition | undefined {
  return Object.hasOwn(PROTOCOLS, id) ? PROTOCOLS[id] : undefined;
}

/** The protocols whose open cases keep a part's consent valid, with that part (`consent.watchedPart`). */
export const CONSENT_WATCHES: readonly { protocol: string; part: string }[] = Object.values(PROTOCOLS).flatMap((definition) =>
  definition.consent?.watchedPart ? [{ protocol: definition.id, part: definition.consent.watchedPart }] : [],
);

export type { ProtocolDefinition } from './types.js';
