import type { ApiClient } from '../../api.js';
import type { DeadlineItem } from '../../shapes.js';
import { CaseTable, cases, DAY, DeadlineTable, type Ctx } from './shared.js';

/** A probation officer: reports due within the week, and the open cases where probation is a party. */
export async function probationWork(ctx: Ctx, api: ApiClient, deadlines: DeadlineItem[], now: Date) {
  const { w } = ctx;
  const all = [...(await cases(api, 'court-ordered-treatment')), ...(await cases(api, 'pre-release')), ...(await cases(api, 'halfway-house'))];
  const weekEnd = now.getTime() + 7 * DAY;
  const reports = deadlines.filter((item) => item.rule.startsWith('progress_report') && Date.parse(item.dueAt) <= weekEnd);
  return (
    <section aria-labelledby="probation-work">
      <h2 id="probation-work">{w.caseload}</h2>
      <DeadlineTable ctx={ctx} caption={w.reportsDue} items={reports} />
      <CaseTable ctx={ctx} caption={w.caseload} items={all.filter((item) => !item.final && item.yourParts.includes('probation'))} />
    </section>
  );
}
