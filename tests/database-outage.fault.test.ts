import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { generateSigner } from '../src/audit/signer.js';
import { FixedClock } from '../src/clock.js';
import { createMemoryLogger } from '../src/logger.js';
import { createFileMailer } from '../notifications/mailer.js';
import { createPostgresClient, wrapPostgres, type DatabaseHandle } from '../db/client.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER } from './helpers/keys.js';
import { onPostgres } from './helpers/test-database.js';
import { startTcpProxy, targetOf, type TcpProxy } from './helpers/tcp-proxy.js';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/**
 * The database goes away: a TCP proxy the test controls sits between the service and
 * PostgreSQL (the shared server is never stopped). While it is cut, the API answers 503
 * UNAVAILABLE with Retry-After and /health/ready says not ready; when it is back, the
 * service recovers on its own.
 */
describe.skipIf(!onPostgres)('database outage (PostgreSQL through a TCP proxy)', () => {
  let t: TestContext;
  let proxy: TcpProxy;
  let handle: DatabaseHandle;
  let app: App;
  let token: string;

  beforeAll(async () => {
    t = await createTestContext();
    proxy = await startTcpProxy(targetOf(t.database.url!));
    const viaProxy = proxy.urlFor(t.database.url!);
    handle = wrapPostgres(createPostgresClient(viaProxy, 2), viaProxy);
    const issuer = await createTestIssuer();
    app = await createApp({
      database: handle,
      clock: new FixedClock('2026-03-02T06:00:00Z'),
      logger: createMemoryLogger(),
      keys: issuer.keySet,
      auditSigner: generateSigner(),
      nationalIdKey: randomBytes(32),
      mailer: createFileMailer(path.join(os.tmpdir(), 'cadap-outage-mail')),
      config: {
        auth: { jwks: { kind: 'file', path: '(test)' }, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, algorithms: ['ES256'], clockToleranceSeconds: 30 },
        publicUrl: undefined,
        bodyLimitBytes: 65536,
      },
    });
    const prison = await t.organisation('prison');
    token = await issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { now: new Date('2026-03-02T06:00:00Z') });
  });
  afterAll(async () => {
    await handle?.close().catch(() => {});
    await proxy?.close();
    await t?.close();
  });

  const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });

  it('answers 503 UNAVAILABLE with Retry-After while the database cannot be reached, then recovers by itself', async () => {
    expect((await get('/organisations')).status).toBe(200);
    proxy.cut();
    // The token is cached, but the route needs the database: it fails cleanly, not with a 500.
    const down = await get('/organisations');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(await down.json()).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    const ready = await app.request('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', database: 'unreachable' });
    expect((await app.request('/health/live')).status).toBe(200);

    await proxy.restore();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await get('/organisations')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    expect((await app.request('/health/ready')).status).toBe(200);
  });
});
