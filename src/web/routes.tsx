import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import type { OidcConfig, WebSessionLifetime } from '../config.js';
import type { AppEnv } from '../http/context.js';
import { refusedLocalRoles } from '../auth/local-token.js';
import { ApiRefusal, createApiClient, type ApiClient, type ApiFetch } from './api.js';
import { stylesheetRoute } from './assets.js';
import { dataFromForm, formValues } from './forms.js';
import { t } from '../../locales/catalogue.js';
import { pickLang, type Lang } from './i18n.js';
import { mountPeopleRoutes } from './people-routes.js';
import { mountPersonWorkRoutes } from './person-work-routes.js';
import { mountOpenCaseRoutes } from './open-case-routes.js';
import { mountConsentRoutes } from './consent-routes.js';
import { mountCertificateRoutes } from './certificate-routes.js';
import { localDay, minorUnitsForm } from './certificate.js';
import { breakGlassCasePage, isCoordinator } from './pages/coordinator.js';
import { Layout, Notice, type PageContext, type Viewer } from './layout.js';
import { createOidcSignIn } from './oidc.js';
import { casePage, loadCase, type FailedForm } from './pages/case.js';
import { homePage } from './pages/home.js';
import { inboxPage } from './pages/inbox.js';
import { INDICATOR_TABLES, indicatorsPage } from './pages/indicators.js';
import { signInPage } from './pages/sign-in.js';
import { fieldErrorsOf, type Problem } from './problem.js';
import { csrfMatches, DEFAULT_SESSION_LIFETIME, endSession, isSameOrigin, readSession, saveLoginState, startSession, takeLoginState, type Session } from './session.js';
import type { DemoSignInChoices, IndicatorTable, NotificationItem, Page } from './shapes.js';
import { summariseError } from '../logger.js';

/**
 * The web workspace under /app: server-rendered pages (hono/jsx) for each role. Pages read and
 * write through the API in-process with the signed-in person's token, so they obey the same
 * authentication, scoping, redaction and audit as the API. Not part of the OpenAPI document.
 */
export type WebSignIn = { kind: 'demo'; mintToken(claims: { org: string; roles: string[]; sub: string }): Promise<string> } | { kind: 'oidc'; oidc: OidcConfig } | { kind: 'none' };

export type WebOptions = {
  sessionKey: Uint8Array;
  signIn: WebSignIn;
  publicUrl: string | undefined;
  /** Idle and absolute session lifetimes, enforced on the server (default 30 minutes and 12 hours). */
  session?: WebSessionLifetime | undefined;
};

/**
 * The pages' Content-Security-Policy. Only this header is set here: every other security header
 * (HSTS, X-Frame-Options, Referrer-Policy no-referrer, ...) comes from the app-wide
 * `securityHeaders` (src/http/middleware.ts), which leaves a response's own policy in place.
 */
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  },
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xContentTypeOptions: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});
const PRE_SESSION_COOKIE = 'cadap-pre';
/** The workspace page someone opened signed out, to return to after signing in. */
const RETURN_COOKIE = 'cadap-return';

/** A path inside the workspace (never an open redirect): `/app` or `/app/…` of plain path characters. */
const workspacePath = (path: string) => /^\/app(\/[A-Za-z0-9/_-]*)?$/.test(path);

export type SignedIn = { session: Session; api: ApiClient; viewer: Viewer; page: PageContext & { viewer: Viewer } };
/**
 * The workspace's context: the API's, plus `who`, the signed-in person. Like the API's `actor`,
 * `who` is there only on the routes behind its middleware (`signedIn`), which sets it.
 */
export type WebEnv = { Variables: AppEnv['Variables'] & { who: SignedIn } };
export type WebContext = Context<WebEnv>;

export function webRoutes(options: WebOptions, apiFetch: ApiFetch) {
  const secure = options.publicUrl?.startsWith('https://') ?? false;
  const policy = { secure };
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : undefined;
  const oidc = options.signIn.kind === 'oidc' ? createOidcSignIn(options.signIn.oidc) : undefined;
  const now = (c: WebContext) => c.var.services.clock.now();
  const lifetime = options.session ?? DEFAULT_SESSION_LIFETIME;
  const currentSession = (c: WebContext) => readSession(c, options.sessionKey, policy, c.var.services.db, now(c), lifetime);
  /** Verifies the token as the API will, then opens a server-side session for it; false when the API would refuse it. */
  const openSession = async (c: WebContext, token: string): Promise<boolean> => {
    let actor;
    try {
      actor = await c.var.services.authenticator.authenticate(token);
    } catch {
      return false;
    }
    await startSession(c, options.sessionKey, policy, c.var.services.db, { token, tokenExpiresAt: actor.expiresAt, organisationId: actor.organisation.id, now: now(c), lifetime });
    return true;
  };
  const baseUrl = (c: WebContext) => options.publicUrl ?? new URL(c.req.url).origin;

  const langOf = (c: WebContext, locale?: string) => pickLang(getCookie(c, 'lang'), locale, c.req.header('accept-language'));

  /** Before sign-in there is no session: the sign-in form's CSRF token is double-submitted against a pre-session cookie. */
  const preSessionToken = (c: WebContext) => {
    const existing = getCookie(c, PRE_SESSION_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
    const fresh = randomBytes(24).toString('base64url');
    setCookie(c, PRE_SESSION_COOKIE, fresh, { path: '/app', httpOnly: true, secure, sameSite: 'Strict' });
    return fresh;
  };

  /**
   * The session middleware of every signed-in route: without an open session, to the sign-in
   * page; with one whose token the API now refuses, the session ends and the same. Otherwise the
   * person, their API client and the page context are `c.var.who`.
   */
  const signedIn = createMiddleware<WebEnv>(async (c, next) => {
    const session = await currentSession(c);
    if (!session) {
      // A page opened signed out (a link in an e-mail) is where the sign-in returns to.
      if (c.req.method === 'GET' && workspacePath(c.req.path)) setCookie(c, RETURN_COOKIE, c.req.path, { path: '/app', httpOnly: true, secure, sameSite: 'Lax', maxAge: 1800 });
      return c.redirect('/app/sign-in', 303);
    }
    const api = createApiClient(apiFetch, session.token, c.var.requestId);
    const me = await api.call<Viewer>('GET', '/me');
    if (!me.ok) {
      await endSession(c, policy, c.var.services.db, session, now(c), 'token-refused');
      return c.redirect('/app/sign-in?expired=1', 303);
    }
    const viewer = me.body;
    c.set('who', { session, api, viewer, page: { lang: langOf(c, viewer.organisation.locale), path: c.req.path, viewer, csrf: session.csrf } });
    await next();
  });

  /** Every POST: same origin, and the form's CSRF token matches the session's (or the pre-session cookie's). */
  async function checkedForm(c: WebContext, expected: string | undefined): Promise<Record<string, string> | undefined> {
    if (!isSameOrigin(c, publicOrigin)) return undefined;
    const body = await c.req.parseBody();
    const form = Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    if (!expected || !csrfMatches({ csrf: expected }, form._csrf)) return undefined;
    return form;
  }

  const refused = (c: WebContext, lang: Lang) =>
    c.html(
      <Layout page={{ lang, path: c.req.path }} title={t(lang, 'web.problem')}>
        <h1>{t(lang, 'web.problem')}</h1>
        <Notice kind="error">{t(lang, 'web.forbiddenForm')}</Notice>
        <p>
          <a href="/app">{t(lang, 'web.home')}</a>
        </p>
      </Layout>,
      403,
    );

  const notFoundPage = (c: WebContext, page: PageContext) =>
    c.html(
      <Layout page={page} title={t(page.lang, 'web.notFound')}>
        <h1>{t(page.lang, 'web.notFound')}</h1>
        <p>
          <a href="/app">{t(page.lang, 'web.home')}</a>
        </p>
      </Layout>,
      404,
    );

  /** Where a signed-in person goes: the page they opened signed out, once, else the workspace home. */
  const returnPath = (c: WebContext) => {
    const back = getCookie(c, RETURN_COOKIE);
    deleteCookie(c, RETURN_COOKIE, { path: '/app' });
    return back && workspacePath(back) ? back : '/app';
  };

  /** The reader's day and region: a certificate's centres are those certified today, the person's region first. */
  const here = (c: WebContext) => ({ day: localDay(now(c), c.var.who.viewer.organisation.timeZone), region: c.var.who.viewer.organisation.region });

  const flashOf = (c: WebContext, lang: Lang) => (c.req.query('done') ? t(lang, 'web.done') : undefined);

  const app = new Hono<WebEnv>();
  app.use('*', pageHeaders);

  app.get('/assets/app.css', stylesheetRoute());

  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if (lang === 'en' || lang === 'ru') setCookie(c, 'lang', lang, { path: '/app', secure, sameSite: 'Lax', maxAge: 365 * 86400 });
    const back = c.req.query('back') ?? '/app';
    // Only back into the workspace: never an open redirect.
    return c.redirect(workspacePath(back) ? back : '/app', 303);
  });

  app.get('/sign-in', async (c) => {
    const lang = langOf(c);
    const page: PageContext = { lang, path: c.req.path, csrf: preSessionToken(c) };
    const message = c.req.query('expired') ? t(lang, 'web.sessionExpired') : c.req.query('failed') ? t(lang, 'web.problem') : undefined;
    if (options.signIn.kind === 'demo') {
      const { items } = await createApiClient(apiFetch, undefined, c.var.requestId).get<DemoSignInChoices>('/demo/sign-in-choices');
      return c.html(signInPage(page, { kind: 'demo', choices: items }, message));
    }
    return c.html(signInPage(page, { kind: options.signIn.kind }, message));
  });

  app.post('/sign-in/demo', async (c) => {
    const lang = langOf(c);
    const form = await checkedForm(c, getCookie(c, PRE_SESSION_COOKIE));
    if (!form || options.signIn.kind !== 'demo') return refused(c, lang);
    const [org, role] = (form.choice ?? '').split('|');
    if (!org || !role) return c.redirect('/app/sign-in?failed=1', 303);
    // Never an admin or an auditor, whatever the form says: the page does not offer them, and this is the check.
    if (refusedLocalRoles([role]).length > 0) return refused(c, lang);
    // The API decides whether this role is valid at this organisation, as for any token.
    const token = await options.signIn.mintToken({ org, roles: [role], sub: `demo:${role}@${org.slice(0, 8)}` });
    if (!(await openSession(c, token))) return c.redirect('/app/sign-in?failed=1', 303);
    return c.redirect(returnPath(c), 303);
  });

  app.get('/sign-in/oidc', async (c) => {
    if (!oidc) return c.redirect('/app/sign-in', 303);
    const login = await oidc.start(`${baseUrl(c)}/app/oidc/callback`);
    await saveLoginState(c, options.sessionKey, policy, login, now(c));
    return c.redirect(login.url, 303);
  });

  app.get('/oidc/callback', async (c) => {
    const checks = await takeLoginState(c, options.sessionKey, policy, now(c));
    if (!oidc || !checks) return c.redirect('/app/sign-in?failed=1', 303);
    const current = new URL(`${baseUrl(c)}${c.req.path}${new URL(c.req.url).search}`);
    try {
      const { accessToken } = await oidc.finish(current, checks);
      if (!(await openSession(c, accessToken))) throw new Error('the provider’s access token is not accepted by the API (issuer, audience, lifetime, org or roles)');
    } catch (error) {
      c.var.services.logger.warn('web sign-in failed', { error: summariseError(error) });
      return c.redirect('/app/sign-in?failed=1', 303);
    }
    return c.redirect(returnPath(c), 303);
  });

  app.post('/sign-out', async (c) => {
    const session = await currentSession(c);
    if (!session) {
      // Already over on the server (signed out elsewhere, revoked, idle): only the cookie is left to clear.
      await endSession(c, policy, c.var.services.db, undefined, now(c), 'sign-out');
      return c.redirect('/app/sign-in', 303);
    }
    const form = await checkedForm(c, session.csrf);
    if (!form) {
      // Refused in the signed-in person's language: their organisation's, unless they chose one.
      const me = await createApiClient(apiFetch, session.token, c.var.requestId).call<Viewer>('GET', '/me');
      return refused(c, langOf(c, me.ok ? me.body.organisation.locale : undefined));
    }
    await endSession(c, policy, c.var.services.db, session, now(c), 'sign-out');
    return c.redirect('/app/sign-in', 303);
  });

  app.get('/indicators', async (c) => {
    const session = await currentSession(c);
    const lang = langOf(c);
    const table = (INDICATOR_TABLES as readonly string[]).includes(c.req.query('table') ?? '') ? (c.req.query('table') as string) : 'country-quarter';
    const period = (c.req.query('period') ?? '').trim().slice(0, 7);
    const response = await apiFetch(new Request(`http://in-process/indicators?table=${table}${period ? `&period=${encodeURIComponent(period)}` : ''}`));
    const body = (await response.json()) as unknown;
    const result = response.ok ? { ok: true as const, body: body as IndicatorTable } : { ok: false as const, problem: body as Problem };
    return c.html(indicatorsPage({ lang, path: c.req.path, csrf: session?.csrf }, { table, period }, result), response.ok ? 200 : 422);
  });

  app.get('/', signedIn, async (c) => {
    const { who } = c.var;
    return c.html(await homePage(who.page, who.api, now(c), flashOf(c, who.page.lang)));
  });

  app.get('/inbox', signedIn, async (c) => {
    const { who } = c.var;
    const items = (await who.api.get<Page<NotificationItem>>('/notifications?limit=100')).items;
    return c.html(inboxPage(who.page, items, flashOf(c, who.page.lang)));
  });

  app.post('/inbox/:id/read', signedIn, async (c) => {
    const { who } = c.var;
    if (!(await checkedForm(c, who.session.csrf))) return refused(c, who.page.lang);
    await who.api.post(`/notifications/${encodeURIComponent(c.req.param('id'))}/read`, {});
    return c.redirect('/app/inbox?done=1', 303);
  });

  app.get('/cases/:id', signedIn, async (c) => {
    const { who } = c.var;
    try {
      return c.html(casePage(who.page, await loadCase(who.api, c.req.param('id'), here(c)), flashOf(c, who.page.lang), undefined));
    } catch (error) {
      if (error instanceof ApiRefusal && (error.status === 404 || error.status === 422)) {
        // The region's coordinator may break the glass on a case it cannot open, with a reason.
        if (error.status === 404 && isCoordinator(who.viewer)) return c.html(breakGlassCasePage(who.page, c.req.param('id'), undefined), 404);
        return notFoundPage(c, who.page);
      }
      throw error;
    }
  });

  app.post('/cases/:id/events', signedIn, async (c) => {
    const { who } = c.var;
    const form = await checkedForm(c, who.session.csrf);
    if (!form) return refused(c, who.page.lang);
    const id = c.req.param('id');
    let loaded;
    try {
      loaded = await loadCase(who.api, id, here(c));
    } catch (error) {
      if (error instanceof ApiRefusal) return notFoundPage(c, who.page);
      throw error;
    }
    const type = form.type ?? '';
    const schema = loaded.protocol.states[loaded.item.state]?.on[type]?.data ?? {};
    const data = dataFromForm(schema, minorUnitsForm(loaded.item, type, who.viewer, form), who.viewer.organisation.timeZone);
    const result = await who.api.post(`/cases/${id}/events`, { type, data, expectedVersion: Number(form.expectedVersion) });
    if (result.ok) return c.redirect(`/app/cases/${id}?done=1`, 303);
    // The API refused: nothing changed. Show the same form again with the API's words.
    const failed: FailedForm = { event: type, problem: result.problem, values: formValues(form), errors: fieldErrorsOf(result.problem, who.page.lang, formValues(form)) };
    return c.html(casePage(who.page, loaded, undefined, failed), result.status === 409 ? 409 : 422);
  });

  mountPeopleRoutes(app, { signedIn, checkedForm, refused, notFoundPage });
  mountPersonWorkRoutes(app, { signedIn, checkedForm, refused, notFoundPage });
  mountOpenCaseRoutes(app, { signedIn, checkedForm, refused, notFoundPage });
  mountConsentRoutes(app, { signedIn, checkedForm, refused, notFoundPage });
  mountCertificateRoutes(app, { signedIn, checkedForm, refused, notFoundPage });
  return app;
}
