import { randomBytes } from 'node:crypto';
import { listen, type RunningServer } from '../../src/http/serve.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createRegion, type Region } from '../helpers/region.js';

/**
 * The real service with its web workspace, in-process on an ephemeral port, on an isolated
 * database, with demo sign-in minting tokens from the test issuer (as the embedded service
 * mints them from its local key).
 */
export async function createWebContext(options: { publicUrl?: string } = {}) {
  // One key for every instance of this world, as instances share WEB_SESSION_KEY_FILE.
  const sessionKey = new Uint8Array(randomBytes(32));
  const t: TestContext = await createTestContext({
    publicUrl: options.publicUrl,
    web: (issuer) => ({
      sessionKey,
      signIn: { kind: 'demo', mintToken: (claims) => issuer.sign(claims, { ttlSeconds: 120 * 86400, now: new Date('2026-03-02T06:00:00.000Z') }) },
    }),
  });
  const region: Region = await createRegion(t);
  const server: RunningServer = await listen(t.app.fetch, { host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    t,
    region,
    base,
    close: async () => {
      await server.close(1000);
      await t.close();
    },
  };
}
export type WebContext = Awaited<ReturnType<typeof createWebContext>>;

/** A signed-in session driven with fetch: the demo sign-in form, its CSRF token and cookies, as a browser would. */
export async function fetchSession(base: string, organisationId: string, role: string) {
  const cookies = new Map<string, string>();
  const setCookieLines: string[] = [];
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      setCookieLines.push(line);
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name) cookies.set(name.trim(), value.join('='));
    }
  };
  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  async function request(path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = {
      cookie: cookieHeader(),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded', origin: base } : {}),
      ...init.headers,
    };
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    remember(response);
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const signInPage = await request('/app/sign-in');
  const signedIn = await request('/app/sign-in/demo', { form: { _csrf: csrfOf(signInPage.text), choice: `${organisationId}|${role}` } });
  if (signedIn.status !== 303 || signedIn.headers.get('location') !== '/app') throw new Error(`demo sign-in failed: ${signedIn.status} ${signedIn.text.slice(0, 200)}`);
  const home = await request('/app');
  return { request, csrf: csrfOf(home.text), cookies, setCookieLines };
}
