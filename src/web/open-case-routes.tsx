import type { Hono } from 'hono';
import { PROTOCOLS } from '../../protocols/index.js';
import { dataFromForm, formValues } from './forms.js';
import { translator } from './i18n.js';
import type { Viewer } from './layout.js';
import type { PeopleRouteHelpers } from './people-routes.js';
import { mayOpen, namedParts, openCasePage, type OpeningProtocol, type OpenValues, type Unit } from './pages/open-case.js';
import { fieldErrorsOf } from './problem.js';
import type { SignedIn, WebEnv } from './routes.js';
import type { CaseItem, OrganisationItem, Page, Participant } from './shapes.js';
import { isUuid } from '../uuid.js';

/**
 * Opening a case of each protocol from the person's page (issue 16 item 4): the form is drawn
 * from the protocol as GET /protocols/:id publishes it; POST /cases decides.
 */

/** The protocols whose opening roles the reader holds (the protocols' static data; the API still decides). */
export const openableProtocols = (viewer: Viewer): OpeningProtocol[] =>
  Object.values(PROTOCOLS)
    .map((definition) => ({
      id: definition.id,
      title: definition.title,
      parts: {},
      opening: { roles: [...definition.opening.roles], ownerPart: definition.opening.ownerPart, data: {} },
    }))
    .filter((protocol) => mayOpen(protocol, viewer));

async function loadOpening(who: SignedIn, personId: string, protocolId: string) {
  if (!isUuid(personId) || !Object.hasOwn(PROTOCOLS, protocolId)) return undefined;
  const [person, protocol, organisations] = await Promise.all([
    who.api.maybe<Participant>(`/participants/${personId}`),
    who.api.maybe<OpeningProtocol>(`/protocols/${protocolId}`),
    who.api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
  ]);
  if (!person || !protocol || !mayOpen(protocol, who.viewer)) return undefined;
  const needsUnit = Boolean(protocol.opening.data.properties?.unitId);
  const units = needsUnit ? ((await who.api.maybe<{ items: Unit[] }>(`/organisations/${who.viewer.organisation.id}/units`))?.items ?? []) : [];
  return { person, protocol: { ...protocol, id: protocolId }, organisations: organisations?.items ?? [], units };
}

export function mountOpenCaseRoutes(app: Hono<WebEnv>, helpers: PeopleRouteHelpers) {
  const { signedIn, checkedForm, refused, notFoundPage } = helpers;

  app.get('/people/:id/open/:protocol', signedIn, async (c) => {
    const { who } = c.var;
    const loaded = await loadOpening(who, c.req.param('id'), c.req.param('protocol'));
    if (!loaded) return notFoundPage(c, who.page);
    return c.html(openCasePage(who.page, loaded.person, loaded.protocol, loaded.organisations, loaded.units, { parties: {}, data: {}, errors: {} }));
  });

  app.post('/people/:id/open/:protocol', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const loaded = await loadOpening(who, c.req.param('id'), c.req.param('protocol'));
    if (!loaded) return notFoundPage(c, who.page);
    const { person, protocol } = loaded;
    const parties = namedParts(protocol)
      .map(([part]) => ({ part, organisationId: (form[`party.${part}`] ?? '').trim() }))
      .filter((party) => party.organisationId !== '');
    const data = dataFromForm(protocol.opening.data, form, who.viewer.organisation.timeZone);
    const result = await who.api.post<CaseItem>('/cases', { protocol: protocol.id, participantId: person.id, parties, data });
    if (result.ok) return c.redirect(`/app/cases/${result.body.id}?done=1`, 303);
    const t = translator(who.page.lang);
    const errors = Object.fromEntries(Object.keys(fieldErrorsOf(result.problem)).map((field) => [field, t('web.open.fieldInvalid')]));
    const values: OpenValues = {
      parties: Object.fromEntries(parties.map((party) => [party.part, party.organisationId])),
      data: formValues(form),
      errors,
      problem: result.status === 403 ? t('web.open.forbidden') : t('web.open.refused'),
    };
    return c.html(openCasePage(who.page, person, protocol, loaded.organisations, loaded.units, values), result.status === 403 ? 403 : 422);
  });
}
