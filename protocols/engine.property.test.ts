import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASES, ORG, SAMPLE_DATA, facts, staff } from '../tests/helpers/engine-fixtures.js';
import { allowedEvents, deadlinesFor, decide, open, transitionFor } from './engine.js';
import { PROTOCOLS } from './index.js';
import type { CaseSnapshot, Deadline, EngineActor } from './model.js';

/**
 * Random event sequences by random actors, against every protocol:
 * - the state never leaves the definition;
 * - a final state accepts nothing;
 * - every accepted event was allowed for the actor's part in the state it was sent in;
 * - the deadline set kept by applying each step's schedule / move / void equals, after every
 *   step, the set the definition implies for the new snapshot, and every rule in it is active there.
 */

const ACTORS: EngineActor[] = [...Object.values(ORG).map((id) => staff(id)), { kind: 'system' }];
const START = new Date('2026-03-02T06:00:00Z');

function eventsOf(protocol: string): string[] {
  return Object.keys(SAMPLE_DATA[protocol]!);
}

const serialise = (deadlines: Map<string, Deadline>) =>
  [...deadlines.values()].map((deadline) => `${deadline.rule}@${deadline.dueAt.toISOString()}>${deadline.concerns.join(',')}`).sort();

for (const protocol of Object.keys(PROTOCOLS)) {
  const definition = PROTOCOLS[protocol]!;
  const steps = fc.array(
    fc.record({
      event: fc.constantFrom(...eventsOf(protocol)),
      actor: fc.constantFrom(...ACTORS),
      // Mostly an event some actor may send now, so sequences travel deep into the protocol.
      pickAllowed: fc.integer({ min: 0, max: 9 }),
      pick: fc.nat(),
      // Capacity and consent change between steps; neither changes which deadlines exist.
      freePlace: fc.boolean(),
      freeBed: fc.boolean(),
      consented: fc.boolean(),
      hours: fc.integer({ min: 0, max: 24 * 20 }),
      breakData: fc.integer({ min: 0, max: 9 }),
    }),
    { minLength: 1, maxLength: 25 },
  );

  describe(`${protocol}: random event sequences`, () => {
    const reached = new Set<string>();
    it('stay within the definition, respect parts and final states, and keep the implied deadline set', () => {
      fc.assert(
        fc.property(steps, (sequence) => {
          const base = CASES[protocol]!;
          const opened = open(
            definition,
            {
              ownerOrganisationId: base.owner,
              parties: base.parties.filter((party) => party.part !== 'coordinator' && !definition.parts[party.part]?.filledBy),
              data: openingData(protocol),
              facts: facts(),
            },
            staff(base.owner),
            START,
          );
          if (!opened.ok) throw new Error(`cannot open ${protocol}: ${opened.reason} ${JSON.stringify(opened.errors)}`);
          let snapshot: CaseSnapshot = { ...opened.snapshot, facts: facts() };
          let kept = new Map(opened.deadlines.map((deadline) => [deadline.rule, deadline]));
          expect(serialise(kept)).toEqual(serialise(deadlinesFor(definition, snapshot)));
          let now = START;

          for (const [index, step] of sequence.entries()) {
            now = new Date(now.getTime() + step.hours * 3_600_000);
            snapshot = {
              ...snapshot,
              facts: facts({
                freeCapacity: protocol === 'halfway-house' ? step.freeBed : step.freePlace,
                consentedOrganisations: step.consented ? new Set([ORG.ngo, ORG.ngo2]) : new Set(),
              }),
            };
            let { actor, event } = step;
            const candidates = ACTORS.flatMap((candidate) => allowedEvents(definition, snapshot, candidate).map((allowedEvent) => ({ actor: candidate, event: allowedEvent })));
            if (step.pickAllowed < 7 && candidates.length > 0) ({ actor, event } = candidates[step.pick % candidates.length]!);
            const sample = SAMPLE_DATA[protocol]![event]!;
            const data = step.breakData === 0 ? { ...sample, bogus: true } : sample;
            const wasFinal = definition.states[snapshot.state]!.final === true;
            const allowed = allowedEvents(definition, snapshot, actor);
            const decision = decide(definition, snapshot, { type: event, data, id: eventIdOf(index) }, actor, now);
            reached.add(snapshot.state);
            if (!decision.ok) {
              expect(decision.allowedEvents).toEqual(allowed);
              continue;
            }
            expect(wasFinal).toBe(false);
            expect(allowed).toContain(event);
            expect(transitionFor(definition, snapshot.state, event)!.by).toContain(decision.part);
            expect(Object.keys(definition.states)).toContain(decision.to);

            for (const deadline of decision.deadlines.schedule) {
              expect(kept.has(deadline.rule)).toBe(false);
              kept.set(deadline.rule, deadline);
            }
            for (const deadline of decision.deadlines.move) {
              expect(kept.has(deadline.rule)).toBe(true);
              kept.set(deadline.rule, deadline);
            }
            for (const rule of decision.deadlines.void) {
              expect(kept.delete(rule)).toBe(true);
            }
            snapshot = { ...decision.next, facts: snapshot.facts };
            reached.add(snapshot.state);
            const implied = deadlinesFor(definition, snapshot);
            expect(serialise(kept)).toEqual(serialise(implied));
            for (const rule of kept.keys()) expect(definition.deadlines[rule]!.activeIn).toContain(snapshot.state);
            kept = new Map(implied);
          }
        }),
        { numRuns: 300 },
      );
      // The sequences must actually travel: most states of the protocol are visited.
      expect(reached.size).toBeGreaterThanOrEqual(Math.min(4, Object.keys(definition.states).length - 1));
      reached.clear();
    });
  });
}

/** The id the service would give the event (a claim is named by it). */
const eventIdOf = (index: number) => `40000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

function openingData(protocol: string): Record<string, unknown> {
  switch (protocol) {
    case 'court-ordered-treatment':
      return { caseNumber: 'C-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 180 };
    case 'unit-enrolment':
      return { unitId: CASES['unit-enrolment']!.data.unitId, expectedReleaseDate: '2026-08-01' };
    case 'pre-release':
      return { releaseDate: '2026-06-01' };
    case 'halfway-house':
      return { expectedArrivalDate: '2026-04-01', maxStayDays: 120 };
    case 'rehabilitation-certificate':
      return { source: 'self', referredOn: '2026-03-01' };
    default:
      return { releasedAt: '2026-03-02T10:00:00+05:00', releaseAddressPlan: 'Shelter', patronagePlan: 'Weekly', probationOrganisationId: ORG.probation };
  }
}
