import { CATALOGUES, coverage, LOCALES, REVIEW, type Locale } from './catalogue.js';

/**
 * What `npm run i18n:coverage` prints: per locale, the English keys it has a message for and
 * whether a native speaker has reviewed it (locales/status.json), as a Markdown table (the README's
 * "Translations" section shows it); with `--missing <locale>`, the keys it lacks with their English
 * text, one a line, for a translator to work through.
 */
const percent = (translated: number, total: number) => `${total === 0 ? 100 : Math.floor((translated / total) * 1000) / 10}%`;

const REVIEW_TEXT = { source: 'source', reviewed: 'reviewed', unreviewed: 'drafted, unreviewed' } as const;

export function coverageTable(): string {
  const rows = LOCALES.map((locale) => {
    const { translated, total } = coverage(locale);
    return `| ${locale} | ${translated} / ${total} | ${percent(translated, total)} | ${REVIEW_TEXT[REVIEW[locale]]} |`;
  });
  return ['| locale | translated / total | coverage | review |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

export function missingList(locale: Locale): string {
  const { missing } = coverage(locale);
  return missing.map((key) => `${key}\t${CATALOGUES.en[key] ?? ''}\n`).join('');
}
