import { tMaybe, type MessageKey } from '../../../locales/catalogue.js';
import { countryName, translator, type Lang } from '../i18n.js';
import { Layout, Notice, TableBox, type PageContext } from '../layout.js';
import { problemMessage, type Problem } from '../problem.js';
import type { IndicatorTable } from '../shapes.js';

/** The open indicators (GET /indicators, no token), as tables with simple server-rendered SVG bar charts and the CSV link. */
type Cell = IndicatorTable['indicators'][number]['total'];

export const INDICATOR_TABLES = ['country-quarter', 'region-quarter', 'organisation-year', 'centre-year'] as const;
const TABLE_NAMES: Record<(typeof INDICATOR_TABLES)[number], MessageKey> = {
  'country-quarter': 'web.tableCountryQuarter',
  'region-quarter': 'web.tableRegionQuarter',
  'organisation-year': 'web.tableOrganisationYear',
  'centre-year': 'web.tableCentreYear',
};

/** A period as people say it: `2026-Q1` is the first quarter of 2026; a year is itself. */
function periodName(period: string, lang: Lang): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  return quarter ? translator(lang)('web.quarter', { year: quarter[1]!, quarter: Number(quarter[2]) }) : period;
}

/** A group's name: a country's in the reader's language; a region's ISO 3166-2 code and an organisation's name as they are. */
const groupName = (table: string, group: { code: string; name: string }, lang: Lang) => (table === 'country-quarter' ? countryName(group.code, lang) : group.name);

/** An indicator's title: the catalogue's `indicator.<id>`, else the one the API published. */
const indicatorTitle = (indicator: { id: string; title: { en: string; ru: string } }, lang: Lang) => tMaybe(lang, `indicator.${indicator.id}`) ?? indicator.title[lang];

function shown(cell: Cell, kind: string, suppressed: string): string {
  if (cell.suppressed || cell.value === null) return suppressed;
  return kind === 'rate' ? `${Math.round(cell.value * 1000) / 10}%` : String(Math.round(cell.value * 10) / 10);
}

function BarChart(props: { title: string; rows: { label: string; value: number | null; text: string }[] }) {
  const max = Math.max(1, ...props.rows.map((row) => row.value ?? 0));
  const rowHeight = 26;
  const width = 560;
  const labelWidth = 220;
  const height = props.rows.length * rowHeight + 8;
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
      {props.rows.map((row, index) => {
        const y = index * rowHeight + 4;
        const barWidth = row.value === null ? 0 : Math.max(1, ((width - labelWidth - 90) * row.value) / max);
        return (
          <g>
            <text x={0} y={y + 16}>
              {row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label}
            </text>
            <rect class="bar" x={labelWidth} y={y + 3} width={barWidth} height={rowHeight - 8} />
            <text x={labelWidth + barWidth + 6} y={y + 16}>
              {row.text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function indicatorsPage(page: PageContext, query: { table: string; period: string }, result: { ok: true; body: IndicatorTable } | { ok: false; problem: Problem }) {
  const t = translator(page.lang);
  const lang = page.lang;
  const csv = `/indicators.csv?table=${encodeURIComponent(query.table)}${query.period ? `&period=${encodeURIComponent(query.period)}` : ''}`;
  return (
    <Layout page={page} title={t('web.indicators')}>
      <h1>{t('web.indicators')}</h1>
      <form method="get" action="/app/indicators" class="panel">
        <div class="field">
          <label for="table">{t('web.table')}</label>
          <select id="table" name="table">
            {INDICATOR_TABLES.map((table) => (
              <option value={table} selected={table === query.table}>
                {t(TABLE_NAMES[table])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="period">{t('web.period')}</label>
          <input type="text" id="period" name="period" value={query.period} placeholder={t('web.periodExample')} />
        </div>
        <button class="primary" type="submit">
          {t('web.show')}
        </button>{' '}
        <a href={csv} download>
          {t('web.downloadCsv')}
        </a>
      </form>
      {!result.ok ? (
        <Notice kind="error">
          {lang === 'en' || result.problem.code !== 'VALIDATION_FAILED' ? problemMessage(result.problem, lang, { fieldErrors: true }) : t('web.periodInvalid')}
        </Notice>
      ) : (
        <>
          <p>
            {t('web.period')}: {periodName(result.body.period, lang)}
          </p>
          {result.body.indicators.map((indicator) => {
            const names = new Map(result.body.groups.map((group) => [group.code, groupName(result.body.table, group, lang)]));
            const title = indicatorTitle(indicator, lang);
            const rows = [
              ...indicator.rows.map((row) => ({
                label: names.get(row.group) ?? row.group,
                value: row.suppressed ? null : row.value,
                text: shown(row, indicator.kind, t('web.suppressed')),
              })),
              { label: t('web.total'), value: indicator.total.suppressed ? null : indicator.total.value, text: shown(indicator.total, indicator.kind, t('web.suppressed')) },
            ];
            return (
              <figure class="chart">
                <figcaption>{title}</figcaption>
                <BarChart
                  title={t('web.chartOf', { title })}
                  rows={rows.map((row) => ({ ...row, value: indicator.kind === 'rate' && row.value !== null ? row.value * 100 : row.value }))}
                />
                <TableBox label={title}>
                  <table>
                    <caption class="hint">{title}</caption>
                    <tbody>
                      {rows.map((row) => (
                        <tr>
                          <th scope="row">{row.label}</th>
                          <td class="num">{row.text}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              </figure>
            );
          })}
        </>
      )}
    </Layout>
  );
}
