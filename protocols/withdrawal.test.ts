import { describe, expect, it } from 'vitest';
import { ORG, snapshotFor, staff } from '../tests/helpers/engine-fixtures.js';
import { decide } from './engine.js';
import { PROTOCOLS } from './index.js';

/**
 * docs/DOMAIN.md, "Motivation after a refusal". Patronage `WITHDRAWN` opens a
 * window: motivational reminders to the NGO, motivational contacts, `RE_ENGAGED` back to
 * `active`, and a timeout that closes the case (protocols/engine.test.ts tables the transitions).
 */

const NOW = new Date('2026-03-02T06:00:00Z');

describe('patronage after a refusal', () => {
  it('WITHDRAWN reminds the NGO, not the sender, every four weeks, and the case closes itself at 90 days; RE_ENGAGED resumes weekly contacts', () => {
    const patronage = PROTOCOLS.patronage!;
    const withdrawn = decide(patronage, snapshotFor('patronage', 'active'), { type: 'WITHDRAWN', data: { reason: 'Declines' } }, staff(ORG.ngo), NOW);
    expect(withdrawn).toMatchObject({ ok: true, to: 'withdrawn', final: false, next: { data: { withdrawnOn: '2026-03-02' } } });
    if (!withdrawn.ok) return;
    expect(withdrawn.deadlines.void.sort()).toEqual(['contact_due', 'follow_up_12_months', 'follow_up_3_months', 'follow_up_6_months']);
    // 2 March + 28, 56, 84 days, 09:00 in Almaty; the window ends at 90 days. The timeout concerns no one: the service acts on it.
    expect(withdrawn.deadlines.schedule.map((deadline) => [deadline.rule, deadline.kind, deadline.dueAt.toISOString(), deadline.concerns])).toEqual([
      ['motivational_follow_up_1', 'reminder', '2026-03-30T04:00:00.000Z', [ORG.ngo]],
      ['motivational_follow_up_2', 'reminder', '2026-04-27T04:00:00.000Z', [ORG.ngo]],
      ['motivational_follow_up_3', 'reminder', '2026-05-25T04:00:00.000Z', [ORG.ngo]],
      ['withdrawal_window_ends', 'timeout', '2026-05-31T04:00:00.000Z', []],
    ]);

    const inWindow = snapshotFor('patronage', 'withdrawn', { previousState: 'active', data: { withdrawnOn: '2026-03-02' } });
    const contact = decide(patronage, inWindow, { type: 'MOTIVATIONAL_CONTACT_RECORDED', data: { date: '2026-03-20', outcome: 'Talked' } }, staff(ORG.ngo), NOW);
    expect(contact).toMatchObject({ ok: true, observation: true, to: 'withdrawn', deadlines: { schedule: [], move: [], void: [] } });
    // The sender hears of the refusal's window through the NGO: it may not record motivation itself.
    expect(decide(patronage, inWindow, { type: 'MOTIVATIONAL_CONTACT_RECORDED', data: { date: '2026-03-20', outcome: 'x' } }, staff(ORG.prison), NOW)).toMatchObject({ ok: false });

    const back = decide(patronage, inWindow, { type: 'RE_ENGAGED', data: { date: '2026-04-10' } }, staff(ORG.ngo), NOW);
    expect(back).toMatchObject({ ok: true, to: 'active', next: { data: { reEngagedOn: '2026-04-10', lastContactOn: '2026-04-10', nextContactDue: '2026-04-17' } } });
    if (!back.ok) return;
    expect(back.deadlines.void.sort()).toEqual(['motivational_follow_up_1', 'motivational_follow_up_2', 'motivational_follow_up_3', 'withdrawal_window_ends']);
    expect(back.deadlines.schedule.map((deadline) => deadline.rule).sort()).toEqual(['contact_due', 'follow_up_12_months', 'follow_up_3_months', 'follow_up_6_months']);
    // Weekly again for 12 weeks from the re-engagement, though the first contact was months before.
    const after = decide(
      patronage,
      { ...snapshotFor('patronage', 'active'), data: back.next.data },
      { type: 'CONTACT_RECORDED', data: { date: '2026-06-20', kind: 'phone', outcome: 'ok' } },
      staff(ORG.ngo),
      NOW,
    );
    expect(after.ok && after.next.data.nextContactDue).toBe('2026-06-27');

    // Only the service ends the window, and the case is then closed.
    expect(decide(patronage, inWindow, { type: 'WITHDRAWAL_EXPIRED', data: {} }, staff(ORG.ngo), NOW)).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED' });
    const expired = decide(patronage, inWindow, { type: 'WITHDRAWAL_EXPIRED', data: {} }, { kind: 'system' }, NOW);
    expect(expired).toMatchObject({ ok: true, part: 'system', to: 'closed_after_refusal', final: true });
    expect(expired.ok && expired.deadlines.void.sort()).toEqual(['motivational_follow_up_1', 'motivational_follow_up_2', 'motivational_follow_up_3', 'withdrawal_window_ends']);
  });
});
