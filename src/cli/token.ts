import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assertStartable, DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, loadConfig } from '../config.js';
import { isRoleValidForKind, ROLES, rolesValidForKind, type Role } from '../domain.js';
import { LOCAL_SIGNING_KEY_FILE } from '../auth/keys.js';
import { refusedLocalRoles, ROLES_NEVER_SIGNED_LOCALLY, signLocalToken } from '../auth/local-token.js';
import type { OrganisationMapEntry } from '../demo/seed.js';

/**
 * `npm run token -- --org <id|name> --role <role> [--role <role>] [--sub s] [--name n] [--ttl 8h]`
 * Prints a token signed with the embedded key. It reads only DATA_DIR/auth (the key and the
 * organisation map written by the service), never the database, so it works while the
 * service runs. It refuses when an external issuer is configured.
 */
function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}

function parseTtl(value: string, maxSeconds: number): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) fail(`--ttl must look like 30m, 8h or 2d (got "${value}")`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0 || seconds > maxSeconds)
    fail(`--ttl must be between 1 second and ${maxSeconds} seconds (the service refuses longer-lived tokens: AUTH_MAX_TOKEN_LIFETIME_SECONDS)`);
  return seconds;
}

const { values } = parseArgs({
  options: {
    org: { type: 'string' },
    role: { type: 'string', multiple: true },
    sub: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '8h' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help || !values.org || !values.role?.length) {
  process.stderr.write(
    'usage: cadap token --org <id|name> --role <role> [--role <role>] [--sub <subject>] [--name <display name>] [--ttl 8h]\n' +
      '   or: npm run token -- --org <id|name> --role <role> [--role <role>] [--sub <subject>] [--name <display name>] [--ttl 8h]\n' +
      `roles: ${ROLES.join(', ')}\n`,
  );
  process.exit(values.help ? 0 : 2);
}

const roles = values.role;
const neverSigned = refusedLocalRoles(roles);
if (neverSigned.length > 0) {
  fail(`the embedded key never signs ${neverSigned.join(' or ')} (${ROLES_NEVER_SIGNED_LOCALLY.join(', ')} come only from an identity provider: AUTH_JWKS_URL or AUTH_JWKS_FILE)`);
}

let config;
try {
  config = loadConfig(process.env);
  assertStartable(config);
} catch (error) {
  fail((error as Error).message);
}
if (config.auth.jwks.kind !== 'local') {
  fail('an external issuer is configured (AUTH_JWKS_URL or AUTH_JWKS_FILE): get tokens from that identity provider, not from this command.');
}
const dir = config.auth.jwks.dir;
const keyFile = path.join(dir, LOCAL_SIGNING_KEY_FILE);
if (!fs.existsSync(keyFile)) fail(`no local signing key in ${dir}: start the service once with "npm start" to create it.`);
const mapFile = path.join(dir, 'organisations.json');
const organisations: OrganisationMapEntry[] = fs.existsSync(mapFile) ? (JSON.parse(fs.readFileSync(mapFile, 'utf8')) as OrganisationMapEntry[]) : [];

const wanted = values.org.trim().toLowerCase();
const org = organisations.find((entry) => entry.id === wanted || entry.name.toLowerCase() === wanted);
if (!org) {
  const known = organisations.map((entry) => `  ${entry.id}  ${entry.name} (${entry.kind})`).join('\n');
  fail(`no organisation "${values.org}" in ${mapFile}.${known ? `\nKnown organisations:\n${known}` : ' Start the service once to write it.'}`);
}
for (const role of roles) {
  if (!(ROLES as readonly string[]).includes(role)) fail(`unknown role "${role}"; roles: ${ROLES.join(', ')}`);
  if (!isRoleValidForKind(role as Role, org.kind)) {
    fail(`role ${role} is not valid at ${org.name} (a ${org.kind}); valid there: ${rolesValidForKind(org.kind).join(', ')}`);
  }
}

const token = await signLocalToken(
  dir,
  { org: org.id, roles, sub: values.sub ?? `demo:${roles[0]}@${org.id.slice(0, 8)}`, name: values.name },
  { issuer: config.auth.issuer, audience: config.auth.audience, ttlSeconds: parseTtl(values.ttl, config.auth.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS) },
);
process.stdout.write(`${token}\n`);
