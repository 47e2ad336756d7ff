import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive } from '../bench/lib/load.js';

/**
 * The quick benchmark runs each scenario for 2 s; on a busy two-core machine one answer can take
 * longer than that (CI's run once reported "indicators: 0 requests" and failed). A scenario whose
 * requests were all still in flight is measured over a fixed number of requests instead.
 */
let server: ReturnType<typeof createServer>;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    setTimeout(() => response.end('ok'), 1500);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the benchmark driver', () => {
  it('measures a scenario slower than its run time instead of reporting 0 requests', async () => {
    const result = await drive(url, null, { next: () => ({ path: '/' }) }, { connections: 2, seconds: 1 });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.statuses).toEqual({ 200: result.requests });
    expect(result.p50).toBeGreaterThanOrEqual(1400);
  }, 30_000);
});
