import { OpenAPIHono, z } from '@hono/zod-openapi';
import { audit } from '../audit/audit.js';
import { requestFacts, type AppEnv } from '../http/context.js';
import { validationFailed } from '../errors.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { computeTable, currentPeriod, definitionsOf, isYearTable, parsePeriod, TABLES, toCsv, type TableId } from './compute.js';

const tags = ['Indicators'];
const TableQuery = z.strictObject({
  table: z
    .enum(TABLES)
    .default('country-quarter')
    .openapi({ description: 'country-quarter, region-quarter, organisation-year or centre-year (one row per treatment centre, its own indicators)' }),
  period: z.string().max(7).optional().openapi({ description: '`2026-Q1` for quarter tables, `2026` for the year tables; defaults to the current one.', example: '2026-Q1' }),
});

const CellSchema = z.object({
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
  value: z.number().nullable(),
  suppressed: z.boolean(),
  unit: z.string().nullable().optional().openapi({ description: 'A ratio’s unit: the currency of its amount (minor units); null when suppressed or mixed' }),
});
export const PublishedSchema = z
  .object({
    table: z.string(),
    period: z.string(),
    threshold: z.number().int().nullable(),
    groups: z.array(z.object({ code: z.string(), name: z.string() })),
    indicators: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(['count', 'rate', 'median', 'ratio']),
        title: z.object({ en: z.string(), ru: z.string() }),
        rows: z.array(CellSchema.extend({ group: z.string() })),
        total: CellSchema,
      }),
    ),
  })
  .openapi('IndicatorTable');

const open = defineRoute('public', {
  method: 'get',
  path: '/indicators',
  tags,
  summary: 'Open indicators: one published table for one period, small cells suppressed (no token)',
  request: { query: TableQuery },
  responses: { 200: json(PublishedSchema, 'The table'), ...problems(422) },
});

const csv = defineRoute('public', {
  method: 'get',
  path: '/indicators.csv',
  tags,
  summary: 'The same table as CSV (UTF-8, a header row, one row per group and a total)',
  request: { query: TableQuery },
  responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...problems(422) },
});

const definitions = defineRoute('public', {
  method: 'get',
  path: '/indicators/definitions',
  tags,
  summary: 'Each indicator’s definition: numerator, denominator, period rule, attribution',
  responses: {
    200: json(
      z.object({
        threshold: z.number().int(),
        items: z.array(
          z.object({
            id: z.string(),
            kind: z.string(),
            title: z.object({ en: z.string(), ru: z.string() }),
            numerator: z.string(),
            denominator: z.string().nullable(),
            period: z.string(),
            attributedTo: z.string(),
            tables: z.array(z.enum(TABLES)),
          }),
        ),
      }),
      'The definitions',
    ),
  },
});

const detail = defineRoute('indicators:detail', {
  method: 'get',
  path: '/indicators/detail',
  tags,
  summary: 'A coordinator’s own region, organisation by quarter, unsuppressed (audited)',
  request: { query: z.strictObject({ period: z.string().max(7).optional().openapi({ example: '2026-Q1' }) }) },
  responses: { 200: json(PublishedSchema, 'The region’s organisations'), ...problems(...AUTHED, 422) },
});

function periodOf(table: TableId, label: string | undefined, now: Date) {
  const period = parsePeriod(table, label ?? currentPeriod(table, now));
  if (!period) {
    throw validationFailed('The period does not fit the table.', [{ path: 'query.period', message: isYearTable(table) ? 'A year, such as 2026.' : 'A quarter, such as 2026-Q1.' }]);
  }
  return period;
}

export function indicatorRoutes(threshold: number, cacheSeconds: number) {
  // The published tables are open statistics over every case: each takes a scan, so one
  // computation serves every reader (and every concurrent one) for `cacheSeconds`.
  const cache = new Map<string, { at: number; table: Promise<Awaited<ReturnType<typeof computeTable>>> }>();
  const publishedTable = (db: AppEnv['Variables']['services']['db'], table: TableId, period: ReturnType<typeof periodOf>, now: Date) => {
    const key = `${table}|${period.label}`;
    const hit = cache.get(key);
    if (hit && now.getTime() - hit.at < cacheSeconds * 1000) return hit.table;
    const computed = computeTable(db, table, period, { threshold });
    if (cacheSeconds > 0) {
      cache.set(key, { at: now.getTime(), table: computed });
      computed.catch(() => cache.delete(key));
      // A bounded map: the oldest entry goes first.
      if (cache.size > 64) cache.delete(cache.keys().next().value!);
    }
    return computed;
  };
  return new OpenAPIHono<AppEnv>()
    .openapi(open, async (c) => {
      const { table, period } = c.req.valid('query');
      const { db, clock } = c.var.services;
      const now = clock.now();
      return c.json(await publishedTable(db, table, periodOf(table, period, now), now), 200);
    })
    .openapi(csv, async (c) => {
      const { table, period } = c.req.valid('query');
      const { db, clock } = c.var.services;
      const now = clock.now();
      const published = await publishedTable(db, table, periodOf(table, period, now), now);
      return c.body(toCsv(published), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="cadap-indicators-${published.table}-${published.period}.csv"`,
      }) as never;
    })
    .openapi(definitions, (c) => c.json({ threshold, items: definitionsOf() }, 200))
    .openapi(detail, async (c) => {
      const { db, clock } = c.var.services;
      const actor = c.var.actor;
      const period = periodOf('region-quarter', c.req.valid('query').period, clock.now());
      const published = await computeTable(db, 'organisation-quarter', period, { threshold: null, region: actor.organisation.region });
      await audit(db, requestFacts(c), {
        action: 'indicators.detail',
        subjectType: 'region',
        subjectId: actor.organisation.region,
        purpose: `indicators ${period.label}`,
        outcome: 'success',
      });
      return c.json(published, 200);
    });
}
