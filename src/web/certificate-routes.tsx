import type { Hono } from 'hono';
import { audit } from '../audit/audit.js';
import { isUuid } from '../uuid.js';
import { CERTIFICATE_PROTOCOL, moneyOf } from './certificate.js';
import type { PeopleRouteHelpers } from './people-routes.js';
import { statementPage } from './pages/certificate.js';
import type { WebContext, WebEnv } from './routes.js';
import type { CaseItem, OrganisationItem, Page, Participant } from './shapes.js';

/**
 * A rehabilitation certificate's printable statement (issue 19 item 6), for the coordinator and
 * the centre only. Anyone else gets the page's 404: where the API itself refuses the case it has
 * audited the read already; a party the API shows the case to but not the account (the NGO, the
 * referrer) is audited here, as an out-of-scope read of the statement.
 */
const STATEMENT_PARTS = ['coordinator', 'centre'];

async function auditDenied(c: WebContext, item: CaseItem) {
  const { services } = c.var;
  const actor = await services.authenticator.authenticate(c.var.who.session.token);
  await audit(
    services.db,
    { actor, requestId: c.var.requestId, now: services.clock.now() },
    { action: 'case.statement', subjectType: 'case', subjectId: item.id, participantId: item.participant.id, outcome: 'denied' },
  );
}

export function mountCertificateRoutes(app: Hono<WebEnv>, helpers: PeopleRouteHelpers) {
  const { signedIn, notFoundPage } = helpers;

  app.get('/cases/:id/statement', signedIn, async (c) => {
    const { who } = c.var;
    const id = c.req.param('id');
    if (!isUuid(id)) return notFoundPage(c, who.page);
    const item = await who.api.maybe<CaseItem>(`/cases/${id}`);
    if (!item) return notFoundPage(c, who.page);
    if (item.protocol === CERTIFICATE_PROTOCOL && !item.yourParts.some((part) => STATEMENT_PARTS.includes(part))) {
      await auditDenied(c, item);
      return notFoundPage(c, who.page);
    }
    // Another protocol's case, or no certificate issued yet: there is no statement.
    const money = moneyOf(item);
    if (!money) return notFoundPage(c, who.page);
    const [person, organisations] = await Promise.all([
      who.api.maybe<Participant>(`/participants/${item.participant.id}`),
      who.api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
    ]);
    const centreId = item.parties.find((party) => party.part === 'centre')?.organisationId;
    const centre = organisations?.items.find((org) => org.id === centreId)?.name ?? '';
    return c.html(statementPage(who.page, item, money, person, centre, c.var.services.clock.now()));
  });
}
