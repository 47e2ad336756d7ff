// A production install, as a deployer without Docker makes one, then every production command:
//
//   1. the repository's tracked files copied into a scratch folder (a clean clone of this tree),
//      `npm ci --omit=dev` there (it must install and patch without a single dev package), and the
//      `dist/` that `npm run build` made here copied in (a build needs TypeScript, a dev package:
//      it is made where the dev packages are and shipped, as the Dockerfile's build stage does);
//   2. with no dev package present, on an embedded database in the scratch folder and the
//      production settings (NODE_ENV=production, the embedded key as the explicit choice):
//      `cadap migrate`, `cadap bootstrap`, `npm start`'s script (it must run dist/, as esbuild is absent)
//      until /health/ready, `cadap token`, one authenticated request, `cadap backup` while it
//      runs, SIGTERM, `cadap audit verify`, `cadap retention run` (a dry run, then for real),
//      `cadap restore` into an empty folder and `cadap audit verify` there; plus `--help` of
//      every command `cadap help` lists (each must load without a dev package).
//
// Usage: npm run build && node scripts/production-install-check.mjs   (from .ci/run)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = path.resolve(import.meta.dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-prod-'));
const log = (message) => process.stdout.write(`[production install] ${message}\n`);
const env = { ...process.env, NODE_ENV: 'production', AUTH_EMBEDDED_KEY: 'true', DATA_DIR: path.join(scratch, 'data'), SEED_DEMO: 'false', LOG_LEVEL: 'warn' };
for (const name of ['DATABASE_URL', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'OIDC_ISSUER', 'CADAP_DEMO']) delete env[name];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: scratch, env, encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
const cadap = (...args) => run(process.execPath, ['dist/src/cli/cadap.js', ...args]);

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let service;
try {
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'cadap.js'))) throw new Error('dist/ holds no build: run "npm run build" first');
  const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!fs.existsSync(path.join(root, file))) continue; // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(scratch, file));
  }
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { env: { ...env, NODE_ENV: 'production' } });
  for (const devPackage of ['typescript', 'tsx', 'esbuild', 'vitest', 'drizzle-kit']) {
    if (fs.existsSync(path.join(scratch, 'node_modules', devPackage))) throw new Error(`npm ci --omit=dev installed the dev package ${devPackage}`);
  }
  log(`npm ci --omit=dev: ${fs.readdirSync(path.join(scratch, 'node_modules')).length} top-level entries, no dev package`);
  fs.cpSync(path.join(root, 'dist'), path.join(scratch, 'dist'), { recursive: true });

  const commands = [...cadap('help').matchAll(/^ {2}(\S+)/gm)].map((match) => match[1]);
  for (const command of commands) cadap(command, '--help');
  log(`cadap help lists ${commands.join(', ')}; each answers --help`);

  log(cadap('migrate').trim().split('\n').at(-1));
  const bootstrapped = JSON.parse(cadap('bootstrap', '--org-name', 'Production Check Centre', '--kind', 'coordinator', '--country', 'KZ', '--region', 'KZ-PAV'));
  const organisationId = bootstrapped.organisations[0].id;
  log(`cadap bootstrap: organisation ${organisationId}`);

  const port = await freePort();
  // `npm start` is `node scripts/start.mjs`; run without npm in between, so SIGTERM reaches the service itself.
  service = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: scratch,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  service.stdout.on('data', (chunk) => (output += chunk));
  service.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => service.on('close', resolve));
  const base = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 600 && !ready && service.exitCode === null; i += 1) {
    ready = await fetch(`${base}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (!ready) await sleep(100);
  }
  if (!ready) throw new Error(`npm start never became ready:\n${output}`);
  log('npm start (dist/, no esbuild): ready');

  const token = cadap('token', '--org', organisationId, '--role', 'coordinator').trim();
  const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } });
  if (me.status !== 200) throw new Error(`GET /me with cadap token's token: ${me.status} ${await me.text()}`);
  log('cadap token: GET /me 200');

  const archive = path.join(scratch, 'backup.tar.gz');
  log(`cadap backup while the service runs: ${cadap('backup', '--out', archive).trim().split('\n')[0]}`);

  service.kill('SIGTERM');
  const code = await exited;
  service = undefined;
  if (code !== 0) throw new Error(`npm start exited ${code} on SIGTERM:\n${output}`);
  const verified = cadap('audit', 'verify');
  if (!verified.includes('Audit trail verified')) throw new Error(`cadap audit verify: ${verified}`);
  log(`cadap audit verify: ${verified.trim().split('\n').at(-1)}`);
  log(`cadap retention run --dry-run: ${cadap('retention', 'run', '--dry-run').trim().split('\n').at(-1)}`);
  log(`cadap retention run: ${cadap('retention', 'run').trim().split('\n').at(-1)}`);
  const restored = path.join(scratch, 'restored');
  cadap('restore', '--from', archive, '--data-dir', restored);
  const verifiedCopy = run(process.execPath, ['dist/src/cli/cadap.js', 'audit', 'verify'], { env: { ...env, DATA_DIR: restored } });
  if (!verifiedCopy.includes('Audit trail verified')) throw new Error(`cadap audit verify on the restored copy: ${verifiedCopy}`);
  log(`cadap restore into an empty folder, then cadap audit verify there: ${verifiedCopy.trim().split('\n').at(-1)}`);
  log('passed');
} finally {
  if (service) service.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
}
