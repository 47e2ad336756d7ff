import { isLocale, LOCALES } from '../../locales/catalogue.js';
import { coverageTable, missingList } from '../../locales/coverage.js';

/**
 * `npm run i18n:coverage`: how far each locale's catalogue (locales/<locale>.json) is translated;
 * `npm run i18n:coverage -- --missing kk` lists the keys kk.json lacks, with their English text.
 * It reports and exits 0 however much is missing (a missing key falls back to Russian, then English).
 */
const at = process.argv.indexOf('--missing');
if (at === -1) {
  process.stdout.write(coverageTable());
} else {
  const locale = process.argv[at + 1] ?? '';
  if (!isLocale(locale)) {
    process.stderr.write(`usage: npm run i18n:coverage [-- --missing <locale>], a locale of ${LOCALES.join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(missingList(locale));
}
