import { formatWhen, protocolTitle, stateLabel, translator, type Translate } from '../i18n.js';
import { tMaybe } from '../../../locales/catalogue.js';
import { Layout, ListTable, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { BreakGlassCase, DenialItem } from '../shapes.js';

/*
 * The coordinator's break-glass and denials (issue 16 item 7). Break-glass is asked from the
 * person's page (each of their cases, from GET /participants/:id/break-glass-cases) or from a
 * case page the coordinator may not open, always with a written reason; never by pasting an id.
 */

type SignedInPage = PageContext & { viewer: Viewer };

export const isCoordinator = (viewer: Viewer) => viewer.roles.includes('coordinator');

/** The reason form of one case: posted to /app/cases/:id/break-glass, which asks the API. */
function BreakGlassForm(props: { page: SignedInPage; t: Translate; caseId: string; label: string; error?: string | undefined }) {
  const { t, caseId } = props;
  const id = `bg-reason-${caseId}`;
  return (
    <form method="post" action={`/app/cases/${caseId}/break-glass`} class="panel">
      <input type="hidden" name="_csrf" value={props.page.csrf ?? ''} />
      <div class="field">
        <label for={id}>{t('web.breakGlassReason', { case: props.label })}</label>
        <p class="hint" id={`${id}-hint`}>
          {t('web.breakGlassHint')}
        </p>
        {props.error && (
          <p class="field-error" id={`${id}-error`}>
            {props.error}
          </p>
        )}
        <textarea
          id={id}
          name="reason"
          required
          minlength={10}
          maxlength={2000}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={[`${id}-hint`, props.error ? `${id}-error` : ''].filter(Boolean).join(' ')}
        ></textarea>
      </div>
      <button class="primary" type="submit">
        {t('web.grant')}
      </button>
    </form>
  );
}

/** The person page's section for the region's coordinator: each of the person's cases, with break-glass. */
export function BreakGlassSection(props: { page: SignedInPage; cases: BreakGlassCase[] }) {
  const { page, cases } = props;
  const { lang } = page;
  const t = translator(lang);
  const tz = page.viewer.organisation.timeZone;
  return (
    <section aria-labelledby="break-glass">
      <h2 id="break-glass">{t('web.breakGlass')}</h2>
      {cases.length === 0 && <p>{t('web.people.noCases')}</p>}
      {cases.map((item) => {
        const label = `${protocolTitle(item.protocol, lang) ?? t('web.case')} · ${formatWhen(item.openedAt, lang, tz)}`;
        return (
          <div>
            <h3>
              {label} <Tag value={item.state} label={stateLabel(item.protocol, item.state, lang)} />
            </h3>
            <p>
              <a href={`/app/cases/${item.id}`}>{t('web.breakGlassOpen')}</a>
            </p>
            <BreakGlassForm page={page} t={t} caseId={item.id} label={label} />
          </div>
        );
      })}
    </section>
  );
}

/** A case page the coordinator may not open (no grant, or no such case): break-glass on it, with a reason. */
export function breakGlassCasePage(page: SignedInPage, caseId: string, error: string | undefined) {
  const t = translator(page.lang);
  return (
    <Layout page={page} title={t('web.breakGlass')}>
      <h1>{t('web.breakGlass')}</h1>
      <Notice kind={error ? 'error' : undefined}>{error ?? t('web.breakGlassNotParty')}</Notice>
      <BreakGlassForm page={page} t={t} caseId={caseId} label={t('web.case')} error={error} />
    </Layout>
  );
}

/** An audit action in the reader's words (`audit.<action>`), else its words. */
const actionLabel = (action: string, t: Translate, lang: SignedInPage['lang']) =>
  tMaybe(lang, `audit.${action.startsWith('case.event.') ? 'case.event' : action}`) ?? t('web.denials.otherAction');

/** GET /audit/denials as a page: who was refused what about the region's people, newest first. */
export function denialsPage(page: SignedInPage, items: DenialItem[], names: Map<string, string>, next: string | null) {
  const { lang } = page;
  const t = translator(lang);
  const tz = page.viewer.organisation.timeZone;
  return (
    <Layout page={page} title={t('web.denials')}>
      <h1>{t('web.denials')}</h1>
      <p>{t('web.denials.hint')}</p>
      <ListTable
        caption={t('web.denials')}
        headings={[t('web.denials.when'), t('web.organisation'), t('web.denials.action'), t('web.denials.person')]}
        empty={t('web.none')}
        items={items}
        row={(item) => (
          <tr>
            <th scope="row">{formatWhen(item.at, lang, tz)}</th>
            <td>{(item.organisationId && names.get(item.organisationId)) ?? t('web.denials.unknownOrganisation')}</td>
            <td>{actionLabel(item.action, t, lang)}</td>
            <td>{item.participantId ? <a href={`/app/people/${item.participantId}`}>{t('web.denials.openPerson')}</a> : ''}</td>
          </tr>
        )}
      />
      {next && (
        <p>
          <a href={`/app/denials?cursor=${encodeURIComponent(next)}`}>{t('web.people.more')}</a>
        </p>
      )}
    </Layout>
  );
}
