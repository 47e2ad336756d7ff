import type { Hono } from 'hono';
import { translator } from './i18n.js';
import type { PeopleRouteHelpers } from './people-routes.js';
import { BreakGlassSection, breakGlassCasePage, denialsPage, isCoordinator } from './pages/coordinator.js';
import { ConsentsSection, type ConsentForm } from './pages/consents.js';
import { NotesSection, type NoteForm } from './pages/notes.js';
import { OpenCaseLinks } from './pages/open-case.js';
import { openableProtocols } from './open-case-routes.js';
import { personPage } from './pages/people.js';
import type { BreakGlassCase, CaseItem, ConsentItem, DenialItem, OrganisationItem, Page, Participant } from './shapes.js';
import type { SignedIn, WebContext, WebEnv } from './routes.js';
import { isUuid } from '../uuid.js';

/**
 * The work done from a person's page beyond reading it: notes (issue 16 item 5) and the
 * coordinator's break-glass and denials (item 7). Every write is the API's, with the signed-in
 * person's token; a refusal shows the same page again with the reader's words.
 */

/** The person's page with its notes and, for the region's coordinator, break-glass on each of their cases; undefined when the API shows nothing of them. */
export async function personView(who: SignedIn, id: string, flash: string | undefined, forms: { note?: NoteForm; consent?: ConsentForm } = {}) {
  const person = isUuid(id) ? await who.api.maybe<Participant>(`/participants/${id}`) : undefined;
  if (!person) return undefined;
  const [cases, organisations, glass, consents] = await Promise.all([
    who.api.maybe<Page<CaseItem>>(`/cases?participantId=${id}&limit=200`),
    who.api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
    isCoordinator(who.viewer) ? who.api.maybe<{ items: BreakGlassCase[] }>(`/participants/${id}/break-glass-cases`) : undefined,
    who.api.maybe<{ items: ConsentItem[] }>(`/participants/${id}/consents`),
  ]);
  const names = new Map((organisations?.items ?? []).map((org) => [org.id, org.name]));
  return personPage(
    who.page,
    person,
    cases?.items ?? [],
    flash,
    <>
      <OpenCaseLinks page={who.page} personId={person.id} protocols={person.erasedAt ? [] : openableProtocols(who.viewer)} />
      <ConsentsSection page={who.page} person={person} consents={consents?.items} organisations={organisations?.items ?? []} cases={cases?.items ?? []} form={forms.consent} />
      <NotesSection page={who.page} person={person} names={names} form={forms.note} />
      {glass && <BreakGlassSection page={who.page} cases={glass.items} />}
    </>,
  );
}

export function mountPersonWorkRoutes(app: Hono<WebEnv>, helpers: PeopleRouteHelpers) {
  const { signedIn, checkedForm, refused, notFoundPage } = helpers;
  /** A form posted about one record (`:id`): the CSRF check, then the id; a Response when either fails. */
  const postedAbout = async (c: WebContext): Promise<Response | { form: Record<string, string>; id: string }> => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const id = c.req.param('id') ?? '';
    return isUuid(id) ? { form, id } : notFoundPage(c, who.page);
  };

  app.post('/people/:id/notes', signedIn, async (c) => {
    const { who } = c.var;
    const posted = await postedAbout(c);
    if (posted instanceof Response) return posted;
    const { form, id } = posted;
    const t = translator(who.page.lang);
    const text = (form.note ?? '').trim();
    const result = text ? await who.api.call('PATCH', `/participants/${id}`, { note: text }) : undefined;
    if (result?.ok) return c.redirect(`/app/people/${id}?noted=1#notes`, 303);
    if (result?.status === 404) return notFoundPage(c, who.page);
    const error = result?.status === 409 ? t('web.notes.erased') : t('web.notes.invalid');
    const view = await personView(who, id, undefined, { note: { text, error } });
    return view ? c.html(view, 422) : notFoundPage(c, who.page);
  });

  // Break-glass on one case, with the written reason: from the person's page or the case page, never a pasted id.
  app.post('/cases/:id/break-glass', signedIn, async (c) => {
    const { who } = c.var;
    const posted = await postedAbout(c);
    if (posted instanceof Response) return posted;
    const { form, id } = posted;
    const t = translator(who.page.lang);
    const result = await who.api.post(`/cases/${id}/break-glass`, { reason: form.reason ?? '' });
    if (result.ok) return c.redirect(`/app/cases/${id}?done=1`, 303);
    const error = result.status === 422 || result.status === 400 ? t('web.breakGlassReasonShort') : result.status === 409 ? t('web.breakGlassErased') : t('web.breakGlassRefused');
    return c.html(breakGlassCasePage(who.page, id, error), result.status === 404 ? 404 : 422);
  });

  app.get('/denials', signedIn, async (c) => {
    const { who } = c.var;
    if (!isCoordinator(who.viewer)) return notFoundPage(c, who.page);
    const cursor = c.req.query('cursor');
    const [denials, organisations] = await Promise.all([
      who.api.get<Page<DenialItem>>(`/audit/denials?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
      who.api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
    ]);
    const names = new Map((organisations?.items ?? []).map((org) => [org.id, org.name]));
    return c.html(denialsPage(who.page, denials.items, names, denials.nextCursor));
  });
}
