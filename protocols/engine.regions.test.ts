import { describe, expect, it } from 'vitest';
import { facts, ORG, SAMPLE_DATA, snapshotFor, staff } from '../tests/helpers/engine-fixtures.js';
import { decide, deadlinesFor, open } from './engine.js';
import { PROTOCOLS } from './index.js';
import { ADMINS_QUEUE } from './model.js';

/** docs/DOMAIN.md, "Regions". What would go to a region's coordinator, where the region has none. */

const NOW = new Date('2026-03-02T06:00:00Z');

describe('a region without a coordinator: the admins’ queue, never another region', () => {
  const none = facts({ regionCoordinatorId: null });

  it('patronage opens with the coordinator part empty, and its escalation concerns the admins’ queue', () => {
    const opened = open(
      PROTOCOLS.patronage!,
      {
        ownerOrganisationId: ORG.prison,
        parties: [{ part: 'ngo', organisationId: ORG.ngo }],
        data: { releasedAt: '2026-03-02T09:00:00+05:00', releaseAddressPlan: 'Shelter', patronagePlan: 'Weekly' },
        facts: none,
      },
      staff(ORG.prison),
      NOW,
    );
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.snapshot.parties.map((party) => party.part).sort()).toEqual(['ngo', 'sender']);
    expect(opened.deadlines.find((deadline) => deadline.rule === 'acknowledgement_overdue')?.concerns).toEqual([ADMINS_QUEUE]);
    // With a coordinator, the part is filled and the escalation is its.
    const withCoordinator = open(
      PROTOCOLS.patronage!,
      {
        ownerOrganisationId: ORG.prison,
        parties: [{ part: 'ngo', organisationId: ORG.ngo }],
        data: { releasedAt: '2026-03-02T09:00:00+05:00', releaseAddressPlan: 'Shelter', patronagePlan: 'Weekly' },
        facts: facts(),
      },
      staff(ORG.prison),
      NOW,
    );
    expect(withCoordinator.ok && withCoordinator.deadlines.find((deadline) => deadline.rule === 'acknowledgement_overdue')?.concerns).toEqual([ORG.coordinator]);
  });

  it('@region_coordinator deadlines and the released-without-plan alert concern the admins’ queue', () => {
    const planning = deadlinesFor(PROTOCOLS['pre-release']!, { ...snapshotFor('pre-release', 'planning'), facts: none });
    expect(planning.get('planning_escalation')?.concerns).toEqual([ADMINS_QUEUE]);
    const released = decide(
      PROTOCOLS['pre-release']!,
      { ...snapshotFor('pre-release', 'planning'), facts: none },
      { type: 'RELEASED_WITHOUT_PLAN', data: SAMPLE_DATA['pre-release']!.RELEASED_WITHOUT_PLAN },
      staff(ORG.prison),
      NOW,
    );
    expect(released.ok && released.effects.filter((effect) => effect.kind === 'alert')).toEqual([
      expect.objectContaining({ rule: 'released_without_plan', concerns: [ADMINS_QUEUE] }),
    ]);
  });
});
