import type { Hono } from 'hono';
import { translator, type Lang } from './i18n.js';
import type { PeopleRouteHelpers } from './people-routes.js';
import { personView } from './person-work-routes.js';
import { CONSENT_CLASSES, consentPrintPage } from './pages/consents.js';
import type { WebEnv } from './routes.js';
import type { ConsentItem, OrganisationItem, Page, Participant } from './shapes.js';
import { isUuid } from '../uuid.js';

/**
 * A person's sharing consents from their page (issue 16 item 3): record or propose, confirm,
 * revoke and void through the consents API, and print the form the person signs.
 */
const FIELDS = ['organisationId', 'purpose', 'validFrom', 'validUntil', 'untilCaseId', 'caseId', 'signedMethod', 'witness', 'textVersion'] as const;
const ACTIONS = ['confirm', 'revoke', 'void'] as const;

export function mountConsentRoutes(app: Hono<WebEnv>, helpers: PeopleRouteHelpers) {
  const { signedIn, checkedForm, refused, notFoundPage } = helpers;

  app.post('/people/:id/consents', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const id = c.req.param('id');
    if (!isUuid(id)) return notFoundPage(c, who.page);
    const values = Object.fromEntries(FIELDS.map((field) => [field, (form[field] ?? '').trim()]));
    const classes = CONSENT_CLASSES.filter((item) => form[`class.${item}`] === 'true');
    const body = { ...Object.fromEntries(Object.entries(values).filter(([, value]) => value !== '')), dataClasses: classes };
    const result = await who.api.post<ConsentItem>(`/participants/${id}/consents`, body);
    if (result.ok) return c.redirect(`/app/people/${id}?consent=${result.body.proposed ? 'proposed' : 'recorded'}#consents`, 303);
    if (result.status === 404) return notFoundPage(c, who.page);
    const t = translator(who.page.lang);
    const problem = result.status === 403 ? t('web.consent.forbidden') : result.status === 409 ? t('web.consent.conflict') : t('web.consent.invalid');
    const view = await personView(who, id, undefined, { consent: { values, classes, problem } });
    return view ? c.html(view, result.status === 403 ? 403 : 422) : notFoundPage(c, who.page);
  });

  app.post('/people/:id/consents/:consent/:action', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const { id, consent, action } = c.req.param();
    if (!isUuid(id) || !isUuid(consent) || !(ACTIONS as readonly string[]).includes(action)) return notFoundPage(c, who.page);
    const result = await who.api.post(`/consents/${consent}/${action}`, action === 'confirm' ? {} : { reason: form.reason ?? '' });
    if (result.ok) return c.redirect(`/app/people/${id}?consent=${action}#consents`, 303);
    if (result.status === 404) return notFoundPage(c, who.page);
    const t = translator(who.page.lang);
    const flash = result.status === 403 ? t('web.consent.forbidden') : result.status === 409 ? t('web.consent.conflict') : t('web.consent.invalid');
    const view = await personView(who, id, undefined, { consent: { values: {}, classes: [], problem: flash } });
    return view ? c.html(view, result.status === 403 ? 403 : 422) : notFoundPage(c, who.page);
  });

  app.get('/people/:id/consents/:consent/print', signedIn, async (c) => {
    const { who } = c.var;
    const { id, consent } = c.req.param();
    if (!isUuid(id) || !isUuid(consent)) return notFoundPage(c, who.page);
    const [person, consents, organisations] = await Promise.all([
      who.api.maybe<Participant>(`/participants/${id}`),
      who.api.maybe<{ items: ConsentItem[] }>(`/participants/${id}/consents`),
      who.api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
    ]);
    const found = consents?.items.find((item) => item.id === consent);
    if (!person || !found) return notFoundPage(c, who.page);
    const names = new Map((organisations?.items ?? []).map((org) => [org.id, org.name]));
    const asked = c.req.query('lang');
    const lang: Lang = asked === 'en' || asked === 'ru' ? asked : who.page.lang;
    return c.html(consentPrintPage(lang, person, found, names.get(found.organisationId) ?? '', names.get(found.recordedByOrganisationId) ?? ''));
  });
}
