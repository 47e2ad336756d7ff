import fs from 'node:fs';
import { writeOrganisationMap } from '../demo/seed.js';
import { COUNTRIES, LOCALES, ORGANISATION_KINDS } from '../domain.js';
import { bootstrapOrganisations, BootstrapRefused } from '../organisations/bootstrap.js';
import { presentOrganisation } from '../organisations/service.js';
import { failure, readOptions, type Fail } from './options.js';
import { openMigratedDatabase } from './migrated-database.js';

/**
 * `cadap bootstrap` (`npm run bootstrap --` from the sources): the first organisations of an
 * empty database, from flags (one organisation) or from a JSON file (an array of the API's
 * CreateOrganisation bodies). Validated as POST /organisations validates; all or nothing; refused
 * (exit 2) once the registry holds any organisation. Prints the created organisations as JSON on
 * stdout: put the admin's organisation id into the identity provider's `org` claim.
 */
const USAGE = `usage: cadap bootstrap --org-name <name> --kind <kind> --country <CC> --region <CC-XXX> [--time-zone <IANA zone>] [--locale <locale>] [--email <address>]... [--certified-until YYYY-MM-DD] [--beds <n>] [--max-stay-days <n>]
   or: cadap bootstrap --file <organisations.json>   (an array of POST /organisations bodies, or one body)
Creates the first organisations of an empty database (run cadap migrate first) and prints them as JSON.
kinds: ${ORGANISATION_KINDS.join(', ')}
countries: ${COUNTRIES.join(', ')}; locales: ${LOCALES.join(', ')}
`;

/** The flag that sets each field of the body, to name it in an error. */
const FLAG_FOR_FIELD: Record<string, string> = {
  name: '--org-name',
  kind: '--kind',
  country: '--country',
  region: '--region',
  timeZone: '--time-zone',
  locale: '--locale',
  notificationEmails: '--email',
  certificationValidUntil: '--certified-until',
  beds: '--beds',
  defaultMaxStayDays: '--max-stay-days',
};

const fail: Fail = failure('bootstrap');
const values = readOptions('bootstrap', USAGE, {
  file: { type: 'string' },
  'org-name': { type: 'string' },
  kind: { type: 'string' },
  country: { type: 'string' },
  region: { type: 'string' },
  'time-zone': { type: 'string' },
  locale: { type: 'string' },
  email: { type: 'string', multiple: true },
  'certified-until': { type: 'string' },
  beds: { type: 'string' },
  'max-stay-days': { type: 'string' },
});

/** A number flag as a number when it is one; otherwise as given, so the schema names the field. */
const numberOrText = (value: string | undefined) => (value === undefined ? undefined : /^-?\d+$/.test(value) ? Number(value) : value);

let bodies: unknown[];
const fromFlags = Object.keys(values).filter((key) => key !== 'file' && key !== 'help');
if (values.file !== undefined) {
  if (fromFlags.length > 0) fail(`--file and organisation flags (${fromFlags.map((key) => `--${key}`).join(', ')}) exclude each other\n${USAGE}`);
  let content: unknown;
  try {
    content = JSON.parse(fs.readFileSync(values.file, 'utf8'));
  } catch (error) {
    fail(`cannot read ${values.file} as JSON: ${(error as Error).message}`);
  }
  bodies = Array.isArray(content) ? content : [content];
} else {
  if (fromFlags.length === 0) fail(`name the organisation with flags, or give --file\n${USAGE}`);
  const body = {
    kind: values.kind,
    name: values['org-name'],
    country: values.country,
    region: values.region,
    timeZone: values['time-zone'],
    locale: values.locale,
    notificationEmails: values.email,
    certificationValidUntil: values['certified-until'],
    beds: numberOrText(values.beds),
    defaultMaxStayDays: numberOrText(values['max-stay-days']),
  };
  bodies = [Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))];
}

const { config, database } = await openMigratedDatabase('bootstrap');
try {
  const now = new Date();
  const rows = await bootstrapOrganisations(database.db, bodies, now);
  if (config.auth.jwks.kind === 'local') await writeOrganisationMap(database.db, config.auth.jwks.dir);
  process.stdout.write(`${JSON.stringify({ organisations: rows.map((row) => presentOrganisation(row, now)) }, null, 2)}\n`);
  process.stderr.write(
    config.auth.jwks.kind === 'local'
      ? `Created ${rows.length} organisation(s). With the embedded key: cadap token --org <id> --role <role>.\n`
      : `Created ${rows.length} organisation(s). Put the admin's organisation id into the identity provider's "org" claim; register more with POST /organisations.\n`,
  );
} catch (error) {
  if (!(error instanceof BootstrapRefused)) throw error;
  const fields = error.fields.map((field) => {
    const flag = values.file === undefined ? FLAG_FOR_FIELD[field.path.split('.')[0]!] : undefined;
    return `  ${field.path}${flag ? ` (${flag})` : ''}: ${field.message}`;
  });
  process.stderr.write(`bootstrap: ${error.message}\n${fields.join('\n')}${fields.length > 0 ? '\n' : ''}`);
  process.exitCode = 2;
} finally {
  await database.close();
}
