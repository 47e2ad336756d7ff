import { raw } from 'hono/html';
import { claimTotals, formatMoney, type CertificateMoney, type Claim } from '../certificate.js';
import { formatWhen, translator, type Lang, type Translate } from '../i18n.js';
import { ListTable, Tag, type PageContext, type Viewer } from '../layout.js';
import type { CaseItem, Participant } from '../shapes.js';
import { fullName } from './people.js';

/*
 * A rehabilitation certificate's account on its case page (issue 19 item 6): the certificate and
 * its balance, each claim with its status, and for the coordinator a decision on each pending
 * claim; and the statement the coordinator and the centre print. Everything is as GET /cases/:id
 * computes it from the events; a decision is the CLAIM_DECIDED event, which the API decides.
 */

type SignedInPage = PageContext & { viewer: Viewer };

function Account(props: { money: CertificateMoney; lang: Lang; t: Translate; tz: string; totals?: boolean }) {
  const { money, lang, t, tz } = props;
  const { certificate } = money;
  const amount = (minor: number) => formatMoney(minor, certificate.currency, lang);
  const totals = claimTotals(money.claims);
  return (
    <dl class="facts money">
      <dt>{t('web.cert.number')}</dt>
      <dd>{certificate.number}</dd>
      <dt>{t('web.cert.validUntil')}</dt>
      <dd>{formatWhen(certificate.validUntil, lang, tz)}</dd>
      <dt>{t('web.cert.value')}</dt>
      <dd data-amount="value">{amount(certificate.value)}</dd>
      {props.totals && (
        <>
          <dt>{t('web.cert.claimed')}</dt>
          <dd data-amount="claimed">{amount(totals.claimed)}</dd>
        </>
      )}
      <dt>{t('web.cert.approved')}</dt>
      <dd data-amount="approved">{amount(certificate.approved)}</dd>
      {props.totals && (
        <>
          <dt>{t('web.cert.rejected')}</dt>
          <dd data-amount="rejected">{amount(totals.rejected)}</dd>
        </>
      )}
      <dt>{t('web.cert.pending')}</dt>
      <dd data-amount="pending">{amount(certificate.pending)}</dd>
      <dt>{t('web.cert.remaining')}</dt>
      <dd data-amount="remaining">
        <strong>{amount(certificate.remaining)}</strong>
      </dd>
    </dl>
  );
}

/** The coordinator's decision on one pending claim: approve, or reject with a reason (the CLAIM_DECIDED event). */
function Decision(props: { page: SignedInPage; item: CaseItem; claim: Claim; t: Translate; values: Record<string, string> | undefined }) {
  const { page, item, claim, t } = props;
  const hidden = (decision: 'approved' | 'rejected') => (
    <>
      <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
      <input type="hidden" name="type" value="CLAIM_DECIDED" />
      <input type="hidden" name="expectedVersion" value={String(item.version)} />
      <input type="hidden" name="data.claimId" value={claim.id} />
      <input type="hidden" name="data.decision" value={decision} />
    </>
  );
  const id = `reject-${claim.id}`;
  return (
    <div class="decision">
      <form method="post" action={`/app/cases/${item.id}/events`} class="inline">
        {hidden('approved')}
        <button class="primary" type="submit">
          {t('web.cert.approve')}
        </button>
      </form>
      <form method="post" action={`/app/cases/${item.id}/events`} class="inline">
        {hidden('rejected')}
        <label for={id}>{t('web.cert.rejectReason')}</label>
        <input id={id} name="data.reason" required minlength={2} maxlength={1000} value={props.values?.claimId === claim.id ? (props.values.reason ?? '') : ''} />
        <button class="secondary" type="submit">
          {t('web.cert.reject')}
        </button>
      </form>
    </div>
  );
}

function Claims(props: { page: SignedInPage; item: CaseItem | undefined; money: CertificateMoney; t: Translate; tz: string; values?: Record<string, string> | undefined }) {
  const { page, item, money, t, tz } = props;
  const { lang } = page;
  const deciding = item?.allowedEvents.includes('CLAIM_DECIDED') ?? false;
  const headings = [t('web.cert.period'), { label: t('web.cert.amount'), numeric: true as const }, t('web.cert.status'), t('web.cert.claimedAt'), t('web.cert.decision')];
  return (
    <ListTable
      caption={t('web.cert.claims')}
      headings={headings}
      empty={t('web.cert.noClaims')}
      items={money.claims}
      row={(claim) => (
        <tr>
          <th scope="row">{t('web.cert.periodValue', { from: formatWhen(claim.periodFrom, lang, tz), to: formatWhen(claim.periodTo, lang, tz) })}</th>
          <td class="num">{formatMoney(claim.amount, money.certificate.currency, lang)}</td>
          <td>
            <Tag value={claim.status} label={t(`web.cert.status.${claim.status}`)} />
          </td>
          <td>{formatWhen(claim.claimedAt, lang, tz)}</td>
          <td>
            {claim.decidedAt && formatWhen(claim.decidedAt, lang, tz)}
            {claim.reason && <p>{claim.reason}</p>}
            {deciding && item && claim.status === 'pending' && <Decision page={page} item={item} claim={claim} t={t} values={props.values} />}
          </td>
        </tr>
      )}
    />
  );
}

/** The case page's certificate section: the account, the claims, the decisions and the statement link. */
export function CertificatePanel(props: { page: SignedInPage; item: CaseItem; money: CertificateMoney; values?: Record<string, string> | undefined }) {
  const { page, item, money } = props;
  const t = translator(page.lang);
  const tz = page.viewer.organisation.timeZone;
  return (
    <section aria-labelledby="certificate">
      <h2 id="certificate">{t('web.cert.heading')}</h2>
      <Account money={money} lang={page.lang} t={t} tz={tz} />
      <Claims page={page} item={item} money={money} t={t} tz={tz} values={props.values} />
      <p>
        <a href={`/app/cases/${item.id}/statement`}>{t('web.cert.statementLink')}</a>
      </p>
    </section>
  );
}

/** The printable statement of the certificate (`/app/cases/:id/statement`), laid out as the consent form is. */
export function statementPage(page: SignedInPage, item: CaseItem, money: CertificateMoney, person: Participant | undefined, centre: string, now: Date) {
  const { lang, viewer } = page;
  const t = translator(lang);
  const tz = viewer.organisation.timeZone;
  const name = person?.identity ? fullName(person.identity) : undefined;
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{t('web.cert.statementTitle')}</title>
          <link rel="stylesheet" href="/app/assets/app.css" />
        </head>
        <body class="print-form">
          <main id="main">
            <h1>{t('web.cert.statementTitle')}</h1>
            <dl class="facts">
              {name && (
                <>
                  <dt>{t('web.people.fullName')}</dt>
                  <dd>{name}</dd>
                </>
              )}
              <dt>{t('web.people.reference')}</dt>
              <dd>{item.participant.referenceCode}</dd>
              <dt>{t('web.cert.centre')}</dt>
              <dd>{centre}</dd>
            </dl>
            <h2>{t('web.cert.account')}</h2>
            <Account money={money} lang={lang} t={t} tz={tz} totals />
            <Claims page={page} item={undefined} money={money} t={t} tz={tz} />
            <p>{t('web.cert.statementAsOf', { when: formatWhen(now.toISOString(), lang, tz), organisation: viewer.organisation.name })}</p>
            <p class="no-print">
              <a href={`/app/cases/${item.id}`}>{t('web.cert.backToCase')}</a>
            </p>
          </main>
        </body>
      </html>
    </>
  );
}
