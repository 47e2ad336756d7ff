import type { Hono, MiddlewareHandler } from 'hono';
import { translator, type Lang, type Translate } from './i18n.js';
import { Layout, Notice, type PageContext } from './layout.js';
import { personView } from './person-work-routes.js';
import { duplicatePage, peopleSearchPage, registerPage, type IdentityValues, type SearchValues } from './pages/people.js';
import type { Problem } from './problem.js';
import type { Page, Participant, ParticipantFound } from './shapes.js';
import { isUuid } from '../uuid.js';
import type { WebContext, WebEnv } from './routes.js';

/**
 * The workspace's people: find, read and register a person (issue 16 items 1 and 2), and name
 * one of the organisation's caseworkers on a case (item 6). Mounted by routes.tsx, whose session,
 * CSRF check and error pages they share.
 */
export type PeopleRouteHelpers = {
  signedIn: MiddlewareHandler<WebEnv>;
  checkedForm(c: WebContext, expected: string | undefined): Promise<Record<string, string> | undefined>;
  refused(c: WebContext, lang: Lang): Response | Promise<Response>;
  notFoundPage(c: WebContext, page: PageContext): Response | Promise<Response>;
};

const SEARCH_FIELDS = ['name', 'dateOfBirth', 'nationalId', 'reference'] as const;
const IDENTITY_FIELDS = ['lastName', 'firstName', 'patronymic', 'dateOfBirth', 'sex', 'nationalId'] as const;

const pick = <K extends string>(form: Record<string, string>, keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, (form[key] ?? '').trim()])) as Record<K, string>;

/**
 * The API's field errors in the reader's language: each field the API names gets this page's
 * own words for it (the API's messages are English), never a raw path.
 */
function fieldErrors(problem: Problem, t: Translate, words: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    const field = error.path.replace(/^body\.(identity\.)?/, '').split('.')[0] ?? '';
    errors[field] ??= words[field] ?? t('web.people.errors.invalid');
  }
  if (Object.keys(errors).length === 0) errors.criteria = t('web.people.errors.invalid');
  return errors;
}

export function mountPeopleRoutes(app: Hono<WebEnv>, helpers: PeopleRouteHelpers) {
  const { signedIn, checkedForm, refused, notFoundPage } = helpers;

  app.get('/people', signedIn, (c) => {
    const { who } = c.var;
    return c.html(peopleSearchPage(who.page, { name: '', dateOfBirth: '', nationalId: '', reference: '' }, undefined, {}));
  });

  app.post('/people', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const t = translator(who.page.lang);
    const values: SearchValues = pick(form, SEARCH_FIELDS);
    const body = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
    if (Object.keys(body).length === 0) return c.html(peopleSearchPage(who.page, values, undefined, { criteria: t('web.people.errors.criteria') }), 422);
    const cursor = form.cursor;
    const result = await who.api.post<Page<ParticipantFound>>('/participants/search', { ...body, limit: 25, ...(cursor ? { cursor } : {}) });
    if (result.ok) return c.html(peopleSearchPage(who.page, values, result.body, {}));
    const errors = fieldErrors(result.problem, t, {
      name: t('web.people.errors.name'),
      dateOfBirth: t('web.people.errors.date'),
      nationalId: t('web.people.errors.nationalId'),
      reference: t('web.people.errors.reference'),
    });
    return c.html(peopleSearchPage(who.page, values, undefined, errors), 422);
  });

  app.get('/people/new', signedIn, (c) => {
    const { who } = c.var;
    return c.html(registerPage(who.page, { lastName: '', firstName: '', patronymic: '', dateOfBirth: '', sex: '', nationalId: '' }, {}));
  });

  app.post('/people/new', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const t = translator(who.page.lang);
    const values: IdentityValues = pick(form, IDENTITY_FIELDS);
    const identity = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
    const notDuplicateOf = Object.entries(form)
      .filter(([key, value]) => key.startsWith('notDuplicateOf.') && isUuid(value))
      .map(([, value]) => value);
    const result = await who.api.post<Participant>('/participants', { identity, ...(notDuplicateOf.length > 0 ? { notDuplicateOf } : {}) });
    if (result.ok) return c.redirect(`/app/people/${result.body.id}?done=1`, 303);
    const named = (result.problem as Problem & { possibleDuplicates?: { id: string }[] }).possibleDuplicates;
    if (result.status === 409 && named) {
      const seen = await Promise.all(named.map((item) => who.api.maybe<Participant>(`/participants/${item.id}`)));
      return c.html(
        duplicatePage(
          who.page,
          values,
          seen.filter((person): person is Participant => person !== undefined),
        ),
        409,
      );
    }
    const required = t('web.people.errors.required');
    const errors = fieldErrors(result.problem, t, {
      lastName: required,
      firstName: required,
      patronymic: t('web.people.errors.text'),
      dateOfBirth: t('web.people.errors.date'),
      nationalId: t('web.people.errors.nationalId'),
    });
    return c.html(registerPage(who.page, values, errors), 422);
  });

  app.get('/people/:id', signedIn, async (c) => {
    const { who } = c.var;
    const t = translator(who.page.lang);
    const consent = c.req.query('consent');
    const done = consent && ['recorded', 'proposed', 'confirm', 'revoke', 'void'].includes(consent) ? t(`web.consent.done.${consent as 'recorded'}`) : undefined;
    const flash = c.req.query('done') ? t('web.people.registered') : c.req.query('noted') ? t('web.notes.saved') : done;
    const view = await personView(who, c.req.param('id'), flash);
    return view ? c.html(view) : notFoundPage(c, who.page);
  });

  // A caseworker of the reader's organisation named on the case, or none: the API checks who may.
  app.post('/cases/:id/assignee', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const id = c.req.param('id');
    if (!isUuid(id)) return notFoundPage(c, who.page);
    const result = form.clear ? await who.api.call('DELETE', `/cases/${id}/assignee`) : await who.api.call('PUT', `/cases/${id}/assignee`, { sub: form.sub ?? '' });
    if (result.ok) return c.redirect(`/app/cases/${id}?done=1`, 303);
    if (result.status === 404) return notFoundPage(c, who.page);
    const t = translator(who.page.lang);
    return c.html(
      <Layout page={who.page} title={t('web.problem')}>
        <h1>{t('web.problem')}</h1>
        <Notice kind="error">{t('web.assign.notCaseworker')}</Notice>
        <p>
          <a href={`/app/cases/${id}`}>{t('web.assign.back')}</a>
        </p>
      </Layout>,
      422,
    );
  });
}
