import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * The published tables are computed once per INDICATOR_CACHE_SECONDS and shared by every
 * reader: a change shows after the cache time, not before, and never through a stale CSV.
 */
let t: TestContext;
let r: Region;

async function issueOrder(index: number) {
  const person = await r.participant('court', `Cache${index}`);
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
    ],
    { caseNumber: `K-${index}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
  );
  expect(opened.status, opened.text).toBe(201);
}

async function ordersIssued(): Promise<number | null> {
  const response = await t.request('GET', '/indicators?table=country-quarter&period=2026-Q1');
  expect(response.status).toBe(200);
  const indicator = (response.json as { indicators: Array<{ id: string; total: { value: number | null } }> }).indicators.find((row) => row.id === 'court_orders_issued');
  return indicator!.total.value;
}

beforeAll(async () => {
  t = await createTestContext({ indicators: { threshold: 3, cacheSeconds: 60 } });
  r = await createRegion(t);
  for (let index = 0; index < 3; index += 1) await issueOrder(index);
});
afterAll(async () => t?.close());

describe('indicator cache', () => {
  it('serves a table from memory until the cache time has passed, then computes it again', async () => {
    expect(await ordersIssued()).toBe(3);
    await issueOrder(3);
    t.clock.advance(59_000);
    expect(await ordersIssued()).toBe(3);
    // The CSV is the same cached table: its TOTAL row holds the cached count in the indicator's column.
    const lines = (await t.request('GET', '/indicators.csv?table=country-quarter&period=2026-Q1')).text.replace('\uFEFF', '').trim().split('\r\n');
    const column = lines[0]!.split(',').indexOf('court_orders_issued');
    expect(lines.at(-1)!.split(',')[column]).toBe('3');
    t.clock.advance(2_000);
    expect(await ordersIssued()).toBe(4);
  });
});
