import http from 'node:http';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The body limit over a real socket (src/http/body-limit.ts): a body over the limit is refused
 * whether its size is announced (`Content-Length`) or only counted (`Transfer-Encoding: chunked`),
 * and serving a request builds no WHATWG `Request` unless the body is chunked; nor, once the
 * middleware have set their headers (`setResponseHeader`, src/http/middleware.ts), a WHATWG
 * `Response`: node-server's light request and response stay light. Every `Request` and
 * `Response` the process constructs is counted: the globals are replaced before
 * @hono/node-server is loaded (this file runs in a process of its own), as node-server's request
 * class extends the global and its light response builds the global one when asked for its body.
 */
const LIMIT = 100;
const built = { requests: 0, responses: 0 };
/** The global class, counting each construction under `key` (a subclass's `super()` included). */
function counting<T extends object>(Native: T, key: keyof typeof built): T {
  return new Proxy(Native, {
    construct(target, args, newTarget) {
      built[key] += 1;
      return Reflect.construct(target as new (...args: unknown[]) => object, args, newTarget);
    },
  });
}
globalThis.Request = counting(globalThis.Request, 'requests');
globalThis.Response = counting(globalThis.Response, 'responses');

let base: string;
let close: () => Promise<void>;
let app: Hono;

beforeAll(async () => {
  const { Hono } = await import('hono');
  const { listen } = await import('../src/http/serve.js');
  const { limitBody } = await import('../src/http/body-limit.js');
  app = new Hono();
  app.onError((error, c) => c.json({ error: error.message }, error.message === 'too large' ? 413 : 500));
  app.use(
    '*',
    limitBody(LIMIT, () => {
      throw new Error('too large');
    }),
  );
  app.post('/echo', async (c) => c.json(await c.req.json()));
  app.get('/read', (c) => c.json({ ok: true }));
  const server = await listen(app.fetch, { host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
  close = () => server.close(0);
});
afterAll(() => close?.());

/**
 * One request over node:http (the test's own fetch would construct Requests too), its body's size
 * announced (`Content-Length`) or only counted (chunked: two chunks, so the size is known only
 * once both are read).
 */
function send(
  url: string,
  method: string,
  body: string | undefined,
  options: { framing?: 'length' | 'chunked'; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const chunked = body !== undefined && options.framing === 'chunked';
    if (body !== undefined && !chunked) headers['content-length'] = String(Buffer.byteLength(body));
    const request = http.request(url, { method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
    });
    request.on('error', reject);
    if (chunked) {
      const half = Math.floor(body.length / 2);
      request.write(body.slice(0, half));
      request.write(body.slice(half));
    } else if (body !== undefined) request.write(body);
    request.end();
  });
}
/** To the small app above. */
const echo = (method: string, path: string, body: string | undefined, framing: 'length' | 'chunked' = 'length') => send(`${base}${path}`, method, body, { framing });

const within = JSON.stringify({ note: 'x'.repeat(LIMIT - 20) });
const over = JSON.stringify({ note: 'x'.repeat(LIMIT * 50) });

describe('the body limit over a real socket', () => {
  it('reads a body within the limit, announced or chunked', async () => {
    expect(await echo('POST', '/echo', within)).toEqual({ status: 200, text: within });
    expect(await echo('POST', '/echo', within, 'chunked')).toEqual({ status: 200, text: within });
  });

  it('refuses a body over the limit, announced or chunked', async () => {
    expect((await echo('POST', '/echo', over)).status).toBe(413);
    expect((await echo('POST', '/echo', over, 'chunked')).status).toBe(413);
    // The limit counts bytes, not characters.
    const wide = JSON.stringify({ note: 'ж'.repeat(45) });
    expect(wide.length).toBeLessThanOrEqual(LIMIT);
    expect((await echo('POST', '/echo', wide)).status).toBe(413);
  });

  it('builds no WHATWG Request for a GET or for a body of announced length', async () => {
    const before = built.requests;
    expect((await echo('GET', '/read', undefined)).status).toBe(200);
    expect((await echo('POST', '/echo', within)).status).toBe(200);
    expect(built.requests).toBe(before);
    // The count does count: a chunked body goes through Hono's bodyLimit, which builds one.
    expect((await echo('POST', '/echo', within, 'chunked')).status).toBe(200);
    expect(built.requests).toBeGreaterThan(before);
  });

  it('counts a body built in the process, which no parser framed', async () => {
    expect((await app.request('/echo', { method: 'POST', body: over, headers: { 'content-type': 'application/json' } })).status).toBe(413);
    expect((await app.request('/echo', { method: 'POST', body: within, headers: { 'content-type': 'application/json' } })).status).toBe(200);
  });
});

describe('the service over a real socket', () => {
  it('builds no WHATWG Request or Response for a case read, a name search or an event', async () => {
    const { createTestContext } = await import('./helpers/context.js');
    const { createRegion } = await import('./helpers/region.js');
    const { listen } = await import('../src/http/serve.js');
    const t = await createTestContext();
    const server = await listen(t.app.fetch, { host: '127.0.0.1', port: 0 });
    try {
      const r = await createRegion(t);
      const person = await r.participant('court', 'Socket');
      const opened = await r.courtOrder(person.id, { caseNumber: 'S-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 180 });
      expect(opened.status).toBe(201);
      const over = async (method: string, path: string, token: string, body?: unknown) => {
        const answer = await send(`http://127.0.0.1:${server.port}${path}`, method, body === undefined ? undefined : JSON.stringify(body), {
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: answer.status, json: JSON.parse(answer.text) as { version?: number; items?: unknown[] } };
      };
      const before = built.requests;
      const responsesBefore = built.responses;
      const read = await over('GET', `/cases/${opened.json.id}`, r.tokens.provider);
      expect(read.status).toBe(200);
      const found = await over('POST', '/participants/search', r.tokens.court, { name: 'Socket' });
      expect(found.status).toBe(200);
      expect(found.json.items).toHaveLength(1);
      const sent = await over('POST', `/cases/${opened.json.id}/events`, r.tokens.provider, {
        type: 'INTAKE_RECORDED',
        data: { assessmentDate: '2026-03-02', rehabilitationPlan: 'Plan', consentToTreatment: true },
        expectedVersion: read.json.version,
      });
      expect(sent.status).toBe(201);
      expect(built.requests).toBe(before);
      expect(built.responses).toBe(responsesBefore);
    } finally {
      await server.close(0);
      await t.close();
    }
  });
});
