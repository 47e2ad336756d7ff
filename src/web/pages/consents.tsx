import { raw } from 'hono/html';
import { formatWhen, protocolTitle, translator, type Lang, type Translate } from '../i18n.js';
import { ListTable, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { CaseItem, ConsentItem, OrganisationItem, Participant } from '../shapes.js';
import { fullName } from './people.js';

/*
 * A person's sharing consents on their page (issue 16 item 3; DOMAIN.md "Consent attestation"):
 * recorded by the record owner, the case owner or another party; the organisation a consent
 * names may only propose it (pending until the case owner or record owner confirms it); either
 * attester may void one recorded in error; the person may revoke one. The API decides each of
 * these; the page offers them and shows its answer. The printable form is consentPrintPage.
 */

export const CONSENT_CLASSES = ['identity', 'contact', 'custody', 'legal', 'compliance', 'health', 'social', 'notes'] as const;
export const CONSENT_PURPOSES = ['treatment', 'court_supervision', 'unit_programme', 'release_planning', 'post_release_support', 'housing'] as const;
export const SIGNED_METHODS = ['written', 'verbal_witnessed', 'electronic'] as const;

export type ConsentValues = Record<string, string> & { classes?: string };
export type ConsentForm = { values: Record<string, string>; classes: string[]; problem?: string | undefined };

type SignedInPage = PageContext & { viewer: Viewer };

const classList = (classes: readonly string[], t: Translate) => classes.map((item) => t(`web.${item as (typeof CONSENT_CLASSES)[number]}`)).join(', ');

export const period = (consent: ConsentItem, lang: Lang, t: Translate) =>
  consent.validUntil
    ? t('web.consent.period', { from: formatWhen(consent.validFrom, lang, 'UTC'), until: formatWhen(consent.validUntil, lang, 'UTC') })
    : t('web.consent.periodCase', { from: formatWhen(consent.validFrom, lang, 'UTC') });

function ReasonForm(props: { page: SignedInPage; t: Translate; consent: ConsentItem; action: 'revoke' | 'void' }) {
  const { t, consent, action } = props;
  const id = `${action}-${consent.id}`;
  return (
    <form method="post" action={`/app/people/${consent.participantId}/consents/${consent.id}/${action}`} class="inline">
      <input type="hidden" name="_csrf" value={props.page.csrf ?? ''} />
      <label for={id}>{t(`web.consent.${action}Reason`)}</label>
      <input id={id} name="reason" required minlength={2} maxlength={1000} />
      <button class="secondary" type="submit">
        {t(`web.consent.${action}`)}
      </button>
    </form>
  );
}

function Actions(props: { page: SignedInPage; t: Translate; consent: ConsentItem }) {
  const { page, t, consent } = props;
  const open = consent.status === 'pending' || consent.status === 'scheduled' || consent.status === 'valid';
  return (
    <>
      <a href={`/app/people/${consent.participantId}/consents/${consent.id}/print`}>{t('web.consent.print')}</a>
      {consent.status === 'pending' && (
        <form method="post" action={`/app/people/${consent.participantId}/consents/${consent.id}/confirm`} class="inline">
          <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
          <button class="primary" type="submit">
            {t('web.consent.confirm')}
          </button>
        </form>
      )}
      {open && consent.status !== 'pending' && <ReasonForm page={page} t={t} consent={consent} action="revoke" />}
      {open && <ReasonForm page={page} t={t} consent={consent} action="void" />}
    </>
  );
}

function Select(props: { id: string; name: string; label: string; options: readonly { value: string; label: string }[]; value: string | undefined; required?: boolean }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name} required={props.required ?? true}>
        <option value="">—</option>
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === props.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function Input(props: { id: string; name: string; label: string; value: string | undefined; type?: string; required?: boolean }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input id={props.id} name={props.name} type={props.type ?? 'text'} value={props.value ?? ''} required={props.required ?? true} />
    </div>
  );
}

function RecordForm(props: { page: SignedInPage; t: Translate; personId: string; organisations: OrganisationItem[]; cases: CaseItem[]; form: ConsentForm | undefined }) {
  const { page, t, form } = props;
  const caseOptions = props.cases.map((item) => ({
    value: item.id,
    label: `${protocolTitle(item.protocol, page.lang) ?? t('web.case')} · ${formatWhen(item.openedAt, page.lang, 'UTC')}`,
  }));
  const values = form?.values ?? {};
  const chosen = new Set(form?.classes ?? []);
  return (
    <form method="post" action={`/app/people/${props.personId}/consents`} class="panel">
      <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
      <h3>{t('web.consent.record')}</h3>
      <p class="hint">{t('web.consent.recordHint')}</p>
      {form?.problem && <Notice kind="error">{form.problem}</Notice>}
      <Select
        id="consent-org"
        name="organisationId"
        label={t('web.consent.organisation')}
        value={values.organisationId}
        options={props.organisations.map((org) => ({ value: org.id, label: org.name }))}
      />
      <fieldset>
        <legend>{t('web.consent.classes')}</legend>
        {CONSENT_CLASSES.map((item) => (
          <div class="field check">
            <input type="checkbox" id={`consent-class-${item}`} name={`class.${item}`} value="true" checked={chosen.has(item)} />
            <label for={`consent-class-${item}`}>{t(`web.${item}`)}</label>
          </div>
        ))}
      </fieldset>
      <Select
        id="consent-purpose"
        name="purpose"
        label={t('web.consent.purpose')}
        value={values.purpose}
        options={CONSENT_PURPOSES.map((value) => ({ value, label: t(`web.consent.purpose.${value}`) }))}
      />
      <Input id="consent-from" name="validFrom" type="date" label={t('web.consent.validFrom')} value={values.validFrom} />
      <p class="hint">{t('web.consent.untilHint')}</p>
      <Input id="consent-until" name="validUntil" type="date" label={t('web.optional', { label: t('web.consent.validUntil') })} value={values.validUntil} required={false} />
      <Select
        id="consent-until-case"
        name="untilCaseId"
        label={t('web.optional', { label: t('web.consent.untilCase') })}
        value={values.untilCaseId}
        options={caseOptions}
        required={false}
      />
      <Select id="consent-case" name="caseId" label={t('web.optional', { label: t('web.consent.onCase') })} value={values.caseId} options={caseOptions} required={false} />
      <Select
        id="consent-method"
        name="signedMethod"
        label={t('web.consent.signedMethod')}
        value={values.signedMethod}
        options={SIGNED_METHODS.map((value) => ({ value, label: t(`web.consent.method.${value}`) }))}
      />
      <Input id="consent-witness" name="witness" label={t('web.consent.witness')} value={values.witness} />
      <Input id="consent-text" name="textVersion" label={t('web.consent.textVersion')} value={values.textVersion} />
      <button class="primary" type="submit">
        {t('web.consent.save')}
      </button>
    </form>
  );
}

export function ConsentsSection(props: {
  page: SignedInPage;
  person: Participant;
  consents: ConsentItem[] | undefined;
  organisations: OrganisationItem[];
  cases: CaseItem[];
  form?: ConsentForm | undefined;
}) {
  const { page, person, consents, organisations } = props;
  const { lang } = page;
  const t = translator(lang);
  if (!consents) return null;
  const names = new Map(organisations.map((org) => [org.id, org.name]));
  return (
    <section aria-labelledby="consents">
      <h2 id="consents">{t('web.consents')}</h2>
      <ListTable
        caption={t('web.consents.caption')}
        headings={[t('web.consent.organisation'), t('web.consent.classes'), t('web.consent.purpose'), t('web.consent.periodHeading'), t('web.state'), t('web.consent.actions')]}
        empty={t('web.none')}
        items={consents}
        row={(consent) => (
          <tr>
            <th scope="row">{names.get(consent.organisationId) ?? t('web.denials.unknownOrganisation')}</th>
            <td>{classList(consent.dataClasses, t)}</td>
            <td>{t(`web.consent.purpose.${consent.purpose}`)}</td>
            <td>{period(consent, lang, t)}</td>
            <td>
              <Tag value={consent.status} label={t(`web.consent.status.${consent.status}`)} />
            </td>
            <td>
              <Actions page={page} t={t} consent={consent} />
            </td>
          </tr>
        )}
      />
      {!person.erasedAt && <RecordForm page={page} t={t} personId={person.id} organisations={organisations} cases={props.cases} form={props.form} />}
    </section>
  );
}

/** The consent as the person signs it: one printable page in the chosen language, with exactly what the service records. */
export function consentPrintPage(lang: Lang, person: Participant, consent: ConsentItem, organisation: string, recordedBy: string) {
  const t = translator(lang);
  const name = person.identity ? fullName(person.identity) : person.referenceCode;
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{t('web.consent.printTitle')}</title>
          <link rel="stylesheet" href="/app/assets/app.css" />
        </head>
        <body class="print-form">
          <main id="main">
            <h1>{t('web.consent.printTitle')}</h1>
            <p>{t('web.consent.statement', { name, organisation, purpose: t(`web.consent.purpose.${consent.purpose}`) })}</p>
            <dl class="facts">
              <dt>{t('web.people.fullName')}</dt>
              <dd>{name}</dd>
              {person.identity && (
                <>
                  <dt>{t('web.people.dateOfBirth')}</dt>
                  <dd>{formatWhen(person.identity.dateOfBirth, lang, 'UTC')}</dd>
                </>
              )}
              <dt>{t('web.people.reference')}</dt>
              <dd>{person.referenceCode}</dd>
              <dt>{t('web.consent.organisation')}</dt>
              <dd>{organisation}</dd>
              <dt>{t('web.consent.classes')}</dt>
              <dd>{classList(consent.dataClasses, t)}</dd>
              <dt>{t('web.consent.purpose')}</dt>
              <dd>{t(`web.consent.purpose.${consent.purpose}`)}</dd>
              <dt>{t('web.consent.periodHeading')}</dt>
              <dd>{period(consent, lang, t)}</dd>
              <dt>{t('web.consent.signedMethod')}</dt>
              <dd>{t(`web.consent.method.${consent.signedMethod}`)}</dd>
              <dt>{t('web.consent.witness')}</dt>
              <dd>{consent.witness}</dd>
              <dt>{t('web.consent.textVersion')}</dt>
              <dd>{consent.textVersion}</dd>
              <dt>{t('web.consent.recordedBy')}</dt>
              <dd>{recordedBy}</dd>
            </dl>
            <p>{t('web.consent.revocable')}</p>
            <div class="signatures">
              <p>
                <span>{t('web.consent.signature')}</span>
                <span class="blank" />
              </p>
              <p>
                <span>{t('web.consent.witnessSignature')}</span>
                <span class="blank" />
              </p>
              <p>
                <span>{t('web.consent.date')}</span>
                <span class="blank" />
              </p>
            </div>
            <p class="no-print">
              <a href={`/app/people/${person.id}`}>{t('web.consent.back')}</a>
            </p>
          </main>
        </body>
      </html>
    </>
  );
}
