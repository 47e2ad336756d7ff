import { formatWhen, protocolTitle, stateLabel, translator, type Lang, type Translate } from '../i18n.js';
import { Layout, ListTable, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { Child } from 'hono/jsx';
import type { CaseItem, Page, Participant, ParticipantFound } from '../shapes.js';

/*
 * Finding, reading and registering a person (issue 16 items 1 and 2). The searches and the
 * registration go through the API with the signed-in person's token (people-routes.tsx), so the
 * pages show only who and what the API shows that person. Searches are posted, never put in the
 * URL: names and national ids stay out of the browser's history.
 */

export type SearchValues = { name: string; dateOfBirth: string; nationalId: string; reference: string };
export type IdentityValues = { lastName: string; firstName: string; patronymic: string; dateOfBirth: string; sex: string; nationalId: string };
type Errors = Record<string, string>;
type Identity = { firstName: string; lastName: string; patronymic?: string | undefined; dateOfBirth: string };

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;

export const fullName = (identity: Identity) => [identity.lastName, identity.firstName, identity.patronymic].filter(Boolean).join(' ');

/** A labelled input with its error, as the event forms draw them. */
function Field(props: { id: string; name: string; label: string; value: string; error?: string | undefined; type?: string; required?: boolean; hint?: string }) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
    </div>
  );
}

function Csrf(props: { page: PageContext }) {
  return <input type="hidden" name="_csrf" value={props.page.csrf ?? ''} />;
}

function Hidden(props: { values: Record<string, string> }) {
  return (
    <>
      {Object.entries(props.values).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

function SearchForm(props: { page: PageContext; t: Translate; values: SearchValues; errors: Errors }) {
  const { t, values, errors } = props;
  return (
    <form method="post" action="/app/people" class="panel">
      <Csrf page={props.page} />
      {errors.criteria && <Notice kind="error">{errors.criteria}</Notice>}
      <Field id="find-name" name="name" label={t('web.people.name')} hint={t('web.people.nameHint')} value={values.name} error={errors.name} />
      <Field id="find-dob" name="dateOfBirth" type="date" label={t('web.people.dateOfBirth')} value={values.dateOfBirth} error={errors.dateOfBirth} />
      <Field id="find-nid" name="nationalId" label={t('web.people.nationalId')} value={values.nationalId} error={errors.nationalId} />
      <Field id="find-ref" name="reference" label={t('web.people.reference')} value={values.reference} error={errors.reference} />
      <button class="primary" type="submit">
        {t('web.people.search')}
      </button>
    </form>
  );
}

function Results(props: { page: PageContext; t: Translate; lang: Lang; values: SearchValues; result: Page<ParticipantFound> }) {
  const { t, lang, result } = props;
  return (
    <>
      <ListTable
        caption={t('web.people.results')}
        headings={[t('web.people.reference'), t('web.people.fullName'), t('web.people.dateOfBirth')]}
        empty={t('web.people.noneFound')}
        items={result.items}
        row={(item) => (
          <tr>
            <th scope="row">
              <a href={`/app/people/${item.id}`}>{item.referenceCode}</a>
            </th>
            <td>{item.identity ? fullName(item.identity) : <span class="hint">{t('web.people.nameHidden')}</span>}</td>
            <td>{item.identity ? formatWhen(item.identity.dateOfBirth, lang, 'UTC') : ''}</td>
          </tr>
        )}
      />
      {result.nextCursor && (
        <form method="post" action="/app/people">
          <Csrf page={props.page} />
          <Hidden values={{ ...props.values, cursor: result.nextCursor }} />
          <button class="secondary" type="submit">
            {t('web.people.more')}
          </button>
        </form>
      )}
    </>
  );
}

export function peopleSearchPage(page: PageContext & { viewer: Viewer }, values: SearchValues, result: Page<ParticipantFound> | undefined, errors: Errors) {
  const t = translator(page.lang);
  return (
    <Layout page={page} title={t('web.findPerson')}>
      <h1>{t('web.findPerson')}</h1>
      <p>{t('web.people.searchHint')}</p>
      <p>
        <a href="/app/people/new">{t('web.people.register')}</a>
      </p>
      <SearchForm page={page} t={t} values={values} errors={errors} />
      {result && <Results page={page} t={t} lang={page.lang} values={values} result={result} />}
    </Layout>
  );
}

/** A person as the signed-in organisation may see them: the code always, the name with identity, and its cases of them. */
export function personPage(page: PageContext & { viewer: Viewer }, person: Participant, cases: CaseItem[], flash: string | undefined, sections?: Child) {
  const { lang } = page;
  const t = translator(lang);
  const tz = page.viewer.organisation.timeZone;
  const title = person.identity ? fullName(person.identity) : person.referenceCode;
  return (
    <Layout page={page} title={title}>
      <h1>{title}</h1>
      {flash && <Notice>{flash}</Notice>}
      <dl class="facts">
        <dt>{t('web.people.reference')}</dt>
        <dd>{person.referenceCode}</dd>
        {person.identity && (
          <>
            <dt>{t('web.people.dateOfBirth')}</dt>
            <dd>{formatWhen(person.identity.dateOfBirth, lang, tz)}</dd>
          </>
        )}
        <dt>{t('web.disclosed')}</dt>
        <dd>{person.disclosed.map((item) => t(`web.${item.dataClass}`)).join(', ')}</dd>
      </dl>
      <ListTable
        caption={t('web.people.cases')}
        headings={[t('web.case'), t('web.state'), t('web.people.opened')]}
        empty={t('web.people.noCases')}
        items={cases}
        row={(item) => (
          <tr>
            <th scope="row">
              <a href={`/app/cases/${item.id}`}>{protocolTitle(item.protocol, lang) ?? t('web.case')}</a>
            </th>
            <td>
              <Tag value={item.state} label={stateLabel(item.protocol, item.state, lang)} />
            </td>
            <td>{formatWhen(item.openedAt, lang, tz)}</td>
          </tr>
        )}
      />
      {sections}
    </Layout>
  );
}

function IdentityFields(props: { t: Translate; values: IdentityValues; errors: Errors }) {
  const { t, values, errors } = props;
  return (
    <>
      <Field id="reg-last" name="lastName" label={t('web.people.lastName')} value={values.lastName} error={errors.lastName} required />
      <Field id="reg-first" name="firstName" label={t('web.people.firstName')} value={values.firstName} error={errors.firstName} required />
      <Field id="reg-patronymic" name="patronymic" label={t('web.optional', { label: t('web.people.patronymic') })} value={values.patronymic} error={errors.patronymic} />
      <Field id="reg-dob" name="dateOfBirth" type="date" label={t('web.people.dateOfBirth')} value={values.dateOfBirth} error={errors.dateOfBirth} required />
      <div class="field">
        <label for="reg-sex">{t('web.optional', { label: t('web.people.sex') })}</label>
        <select id="reg-sex" name="sex">
          <option value="">—</option>
          {SEXES.map((sex) => (
            <option value={sex} selected={values.sex === sex}>
              {t(`web.people.sex.${sex}`)}
            </option>
          ))}
        </select>
      </div>
      <Field id="reg-nid" name="nationalId" label={t('web.optional', { label: t('web.people.nationalId') })} value={values.nationalId} error={errors.nationalId} />
    </>
  );
}

export function registerPage(page: PageContext & { viewer: Viewer }, values: IdentityValues, errors: Errors) {
  const t = translator(page.lang);
  return (
    <Layout page={page} title={t('web.people.register')}>
      <h1>{t('web.people.register')}</h1>
      <p>{t('web.people.registerHint')}</p>
      {Object.keys(errors).length > 0 && <Notice kind="error">{t('web.problem')}</Notice>}
      <form method="post" action="/app/people/new" class="panel">
        <Csrf page={page} />
        <IdentityFields t={t} values={values} errors={errors} />
        <button class="primary" type="submit">
          {t('web.people.registerButton')}
        </button>
      </form>
    </Layout>
  );
}

/**
 * The API's "possible duplicate" (409): the people it named, as this organisation may see them
 * (each read through the API, audited), to open; or the same registration again, saying they
 * are someone else (`notDuplicateOf`).
 */
export function duplicatePage(page: PageContext & { viewer: Viewer }, values: IdentityValues, duplicates: Participant[]) {
  const { lang } = page;
  const t = translator(lang);
  return (
    <Layout page={page} title={t('web.people.duplicate')}>
      <h1>{t('web.people.duplicate')}</h1>
      <Notice kind="error">{t('web.people.duplicateHint')}</Notice>
      <ListTable
        caption={t('web.people.duplicateCaption')}
        headings={[t('web.people.reference'), t('web.people.fullName'), t('web.people.dateOfBirth')]}
        empty={t('web.none')}
        items={duplicates}
        row={(person) => (
          <tr>
            <th scope="row">
              <a href={`/app/people/${person.id}`}>{t('web.people.openExisting', { reference: person.referenceCode })}</a>
            </th>
            <td>{person.identity ? fullName(person.identity) : ''}</td>
            <td>{person.identity ? formatWhen(person.identity.dateOfBirth, lang, 'UTC') : ''}</td>
          </tr>
        )}
      />
      <h2>{t('web.people.newPerson')}</h2>
      <dl class="facts">
        <dt>{t('web.people.fullName')}</dt>
        <dd>{fullName(values)}</dd>
        <dt>{t('web.people.dateOfBirth')}</dt>
        <dd>{formatWhen(values.dateOfBirth, lang, 'UTC')}</dd>
      </dl>
      <form method="post" action="/app/people/new">
        <Csrf page={page} />
        <Hidden values={values} />
        <Hidden values={Object.fromEntries(duplicates.map((person, index) => [`notDuplicateOf.${index}`, person.id]))} />
        <button class="primary" type="submit">
          {t('web.people.differentPerson')}
        </button>
      </form>
    </Layout>
  );
}
