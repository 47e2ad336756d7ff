import { roleName, translator, type Lang } from '../i18n.js';
import type { PageContext, Viewer } from '../layout.js';
import type { CaseItem, Caseworker } from '../shapes.js';

/*
 * The case's named caseworker of the reader's organisation (issue 16 item 6): who it is, and a
 * form to name another of the organisation's caseworkers (GET /caseworkers) or clear it. Only an
 * organisation on the case has one.
 */

/** A caseworker as people know them: the name from their token, else their role (never the token's subject). */
export function caseworkerName(worker: { name: string | null; roles?: readonly string[] }, lang: Lang): string {
  return worker.name ?? roleName(worker.roles?.[0] ?? '', lang);
}

export function AssigneeSection(props: { page: PageContext & { viewer: Viewer }; item: CaseItem; caseworkers: Caseworker[] }) {
  const { page, item, caseworkers } = props;
  const t = translator(page.lang);
  if (!item.parties.some((party) => party.organisationId === page.viewer.organisation.id)) return null;
  const current = item.assignee;
  const known = current ? caseworkers.find((worker) => worker.sub === current.sub) : undefined;
  const label = (worker: Caseworker) => {
    const name = caseworkerName(worker, page.lang);
    return worker.sub === page.viewer.subject ? t('web.assign.you', { name }) : name;
  };
  return (
    <section aria-labelledby="caseworker">
      <h2 id="caseworker">{t('web.assign.caseworker')}</h2>
      <p id="caseworker-now">{current ? (known ? label(known) : caseworkerName({ name: current.name }, page.lang)) : t('web.assign.nobody')}</p>
      <form method="post" action={`/app/cases/${item.id}/assignee`}>
        <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
        <div class="field">
          <label for="assignee">{t('web.assign.choose')}</label>
          <p class="hint" id="assignee-hint">
            {t('web.assign.hint')}
          </p>
          <select id="assignee" name="sub" aria-describedby="assignee-hint" required>
            {caseworkers.map((worker) => (
              <option value={worker.sub} selected={worker.sub === current?.sub}>
                {label(worker)}
              </option>
            ))}
          </select>
        </div>
        <button class="primary" type="submit">
          {t('web.assign.assign')}
        </button>{' '}
        {current && (
          <button class="secondary" type="submit" name="clear" value="1" formnovalidate>
            {t('web.assign.clear')}
          </button>
        )}
      </form>
    </section>
  );
}
