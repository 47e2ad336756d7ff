import { ListTable, Tag, type Viewer } from '../../layout.js';
import type { DeadlineItem, OrganisationItem } from '../../shapes.js';
import { DAY, DeadlineTable, when, type Ctx } from './shared.js';

/** The coordinator: escalations and overdue items, certifications expiring within 90 days, break-glass. */
export function coordinatorWork(ctx: Ctx, organisations: OrganisationItem[], deadlines: DeadlineItem[], viewer: Viewer, csrf: string) {
  const { w } = ctx;
  const soon = new Date(Date.parse(`${ctx.today}T00:00:00Z`) + 90 * DAY).toISOString().slice(0, 10);
  const expiring = organisations.filter((org) => org.region === viewer.organisation.region && org.certificationValidUntil && org.certificationValidUntil <= soon);
  return (
    <section aria-labelledby="coordinator-work">
      <h2 id="coordinator-work">{w.escalations}</h2>
      <DeadlineTable ctx={ctx} caption={w.escalations} items={deadlines.filter((item) => item.kind === 'escalation' || item.overdue)} />
      <ListTable
        caption={w.certifications}
        headings={[w.organisation, w.validUntil]}
        empty={w.none}
        items={expiring}
        row={(org) => (
          <tr>
            <th scope="row">{org.name}</th>
            <td>
              {when(ctx, org.certificationValidUntil)} {org.certified === false && <Tag value="overdue" label={w.overdue} />}
            </td>
          </tr>
        )}
      />
      <h2 id="break-glass">{w.breakGlass}</h2>
      <p class="hint">{w.breakGlassHint}</p>
      <form method="post" action="/app/break-glass" class="panel">
        <input type="hidden" name="_csrf" value={csrf} />
        <div class="field">
          <label for="bg-case">{w.caseId}</label>
          <input type="text" id="bg-case" name="caseId" required />
        </div>
        <div class="field">
          <label for="bg-reason">{w.reason}</label>
          <textarea id="bg-reason" name="reason" required minlength={10}></textarea>
        </div>
        <button class="primary" type="submit">
          {w.grant}
        </button>
      </form>
    </section>
  );
}
