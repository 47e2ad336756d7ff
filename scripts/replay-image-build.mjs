// Replays the Dockerfile without a Docker engine (CI has none), then starts what it built on
// PostgreSQL, as a deployer would run the image:
//
//   1. every stage of the Dockerfile, in a scratch folder: the same files COPY'd from the build
//      context (.dockerignore honoured) or from an earlier stage, the same RUN commands in the
//      stage's WORKDIR, the same ENV. Absolute paths of a stage live under that stage's folder;
//      what needs root or the base image's users is not replayed (chown, USER), and the base
//      image is this machine's Node (a different major than the FROM line's is reported);
//   2. a fresh database and a login role in cadap_app on PostgreSQL (REPLAY_ADMIN_DATABASE_URL,
//      default postgres://postgres@127.0.0.1:5432/postgres), and an identity provider of our own:
//      a JWKS *file* whose private key signs the test token;
//   3. `cadap migrate` as the database owner; `cadap bootstrap` as the restricted role (the first
//      organisation, whose id goes into the token's `org` claim); then the image's CMD as the
//      restricted role with the image's ENV, waiting for its HEALTHCHECK command to pass; one
//      request with the identity provider's token must succeed, and GET /metrics with it (an admin);
//      SIGTERM must stop it cleanly; `cadap audit verify` must find the audit trail intact; and
//      `cadap retention run` must run as the restricted role.
//
// The scratch folder, the database and the role are removed whatever happens.
// Usage: node scripts/replay-image-build.mjs   (from .ci/run, after the PostgreSQL tests)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import postgres from 'postgres';

const context = path.resolve(import.meta.dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-image-'));
const suffix = crypto.randomBytes(4).toString('hex');
const databaseName = `cadap_replay_${suffix}`;
const roleName = `cadap_replay_${suffix}`;
const adminUrl = process.env.REPLAY_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (message) => process.stdout.write(`[replay] ${message}\n`);

/** The Dockerfile's instructions: comments dropped, continued lines joined. */
function parseDockerfile(text) {
  const instructions = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.trimStart().startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const [keyword] = full.split(/\s+/, 1);
    instructions.push({ keyword: keyword.toUpperCase(), args: full.slice(keyword.length).trim() });
  }
  return instructions;
}

/** .dockerignore patterns as predicates over context-relative paths (a path is out when it or a parent matches). */
function dockerignore() {
  const file = path.join(context, '.dockerignore');
  if (!fs.existsSync(file)) return () => false;
  const rules = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, ''));
      const source = pattern
        .split('')
        .map((char, index, all) => {
          if (char === '*') return all[index + 1] === '*' ? '' : all[index - 1] === '*' ? '.*' : '[^/]*';
          if (char === '?') return '[^/]';
          return /[.+^${}()|[\]\\]/.test(char) ? `\\${char}` : char;
        })
        .join('');
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (relative) => {
    const parts = relative.split(path.sep);
    let ignored = false;
    for (const rule of rules) {
      for (let depth = 1; depth <= parts.length; depth += 1) {
        if (rule.regex.test(parts.slice(0, depth).join('/'))) ignored = !rule.negate;
      }
    }
    return ignored;
  };
}

function words(args) {
  return args.startsWith('[') ? JSON.parse(args) : args.split(/\s+/);
}

/** A stage's view of an absolute path: under the stage's own folder. */
const within = (stage, target) => path.join(stage.root, path.posix.resolve(stage.workdir, target));

/** Absolute paths in a RUN command or an ENV value, moved under the stage's folder. */
const rebase = (stage, text) => text.replace(/(^|[\s=])(\/[\w.@/-]*)/g, (match, before, absolute) => `${before}${path.join(stage.root, absolute)}`);

function stageEnv(stage) {
  // The base image puts /usr/local/bin first on the PATH: here the stage's own, then this machine's.
  return { ...process.env, ...stage.env, PATH: `${path.join(stage.root, 'usr/local/bin')}:${path.join(scratch, 'shims')}:${process.env.PATH}` };
}

function run(stage, command, extraEnv = {}) {
  log(`RUN ${command}`);
  const result = spawnSync('sh', ['-c', rebase(stage, command)], { cwd: within(stage, '.'), env: { ...stageEnv(stage), ...extraEnv }, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`"${command}" failed (exit ${result.status ?? result.signal})`);
}

/** A command in the built image (`docker run … <command>`): its arguments as given, its stdout returned. */
function runInImage(stage, args, env) {
  log(`docker run … ${args.join(' ')}`);
  const result = spawnSync(args[0], args.slice(1), { cwd: within(stage, '.'), env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`"${args.join(' ')}" failed (exit ${result.status ?? result.signal}): ${result.stdout}`);
  return result.stdout;
}

function copy(stage, stages, args, ignored) {
  const parts = words(args);
  const fromFlag = parts.find((part) => part.startsWith('--from='));
  const flags = parts.filter((part) => part.startsWith('--'));
  if (flags.some((flag) => !flag.startsWith('--from='))) throw new Error(`COPY ${args}: flag not replayed`);
  const operands = parts.filter((part) => !part.startsWith('--'));
  const destination = operands.pop();
  const from = fromFlag ? stages.find((candidate) => candidate.name === fromFlag.slice('--from='.length)) : undefined;
  if (fromFlag && !from) throw new Error(`COPY ${args}: no stage ${fromFlag}`);
  const intoDirectory = destination.endsWith('/') || operands.length > 1;
  for (const operand of operands) {
    const source = from ? path.join(from.root, path.posix.resolve(from.workdir, operand)) : path.join(context, operand);
    if (!fs.existsSync(source)) throw new Error(`COPY ${args}: ${operand} does not exist`);
    const isDirectory = fs.statSync(source).isDirectory();
    const target = isDirectory || !intoDirectory ? within(stage, destination) : path.join(within(stage, destination), path.basename(operand));
    const filter = from ? () => true : (file) => !ignored(path.relative(context, file));
    if (!filter(source)) throw new Error(`COPY ${args}: ${operand} is excluded by .dockerignore`);
    fs.mkdirSync(isDirectory ? target : path.dirname(target), { recursive: true });
    fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true, filter });
  }
}

/** Replays every stage; returns the last one, with its ENV, CMD and HEALTHCHECK. */
function replayDockerfile() {
  const ignored = dockerignore();
  const stages = [];
  let stage;
  // chown needs root and the image's users: ownership is not replayed.
  fs.mkdirSync(path.join(scratch, 'shims'));
  fs.writeFileSync(path.join(scratch, 'shims', 'chown'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  for (const { keyword, args } of parseDockerfile(fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8'))) {
    if (keyword === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      const major = /^node:(\d+)/.exec(image)?.[1];
      if (!major) throw new Error(`FROM ${args}: only node images are replayed`);
      if (major !== process.versions.node.split('.')[0]) log(`note: the image is on Node ${major}, this replay runs on Node ${process.versions.node}`);
      stage = {
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        root: path.join(scratch, `stage-${stages.length}`),
        workdir: '/',
        env: {},
        cmd: undefined,
        healthcheck: undefined,
      };
      stages.push(stage);
      // What the base image has and the Dockerfile may rely on.
      fs.mkdirSync(path.join(stage.root, 'usr/local/bin'), { recursive: true });
      log(`FROM ${args}`);
    } else if (!stage) {
      throw new Error(`${keyword} before FROM`);
    } else if (keyword === 'WORKDIR') {
      stage.workdir = path.posix.resolve(stage.workdir, args);
      fs.mkdirSync(within(stage, '.'), { recursive: true });
    } else if (keyword === 'COPY') {
      log(`COPY ${args}`);
      copy(stage, stages, args, ignored);
    } else if (keyword === 'RUN') {
      run(stage, args);
    } else if (keyword === 'ENV') {
      for (const [, name, value] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[name] = value.startsWith('/') ? path.join(stage.root, value) : value;
    } else if (keyword === 'CMD') {
      stage.cmd = words(args);
    } else if (keyword === 'HEALTHCHECK') {
      stage.healthcheck = args.replace(/^(--\S+\s+)*CMD\s+/, '');
    } else if (keyword === 'VOLUME') {
      for (const volume of words(args)) fs.mkdirSync(within(stage, volume), { recursive: true });
    } else if (!['USER', 'EXPOSE', 'LABEL', 'ARG'].includes(keyword)) {
      throw new Error(`${keyword}: not replayed; teach scripts/replay-image-build.mjs`);
    }
  }
  return stage;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function main() {
  const image = replayDockerfile();
  const app = within(image, '.');
  const tests = fs.readdirSync(path.join(app, 'dist'), { recursive: true }).filter((file) => /\.test\.js$/.test(file));
  if (tests.length > 0) throw new Error(`dist/ ships test files: ${tests.slice(0, 5).join(', ')}`);
  if (fs.existsSync(path.join(app, 'node_modules', 'typescript'))) throw new Error('the image holds dev packages (node_modules/typescript)');

  // An identity provider of our own: its public key set as a file, its private key signs the token.
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'replay', alg: 'ES256', use: 'sig' }] };
  const jwksFile = path.join(scratch, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(jwks));
  const issuer = 'https://idp.replay.invalid';
  const audience = 'cadap-replay';
  const auth = { AUTH_JWKS_FILE: jwksFile, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience };

  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let service;
  try {
    await admin.unsafe(`CREATE DATABASE "${databaseName}"`);
    const ownerUrl = new URL(adminUrl);
    ownerUrl.pathname = `/${databaseName}`;
    log(`database ${databaseName} created`);

    run(image, 'cadap migrate', { ...auth, DATABASE_URL: ownerUrl.href });

    // The service's login role: a member of cadap_app (created by the migrations), owning nothing.
    const password = crypto.randomBytes(12).toString('hex');
    await admin.unsafe(`CREATE ROLE "${roleName}" LOGIN PASSWORD '${password}' IN ROLE cadap_app`);
    await admin.unsafe(`ALTER ROLE "${roleName}" IN DATABASE "${databaseName}" SET role = 'cadap_app'`);
    const serviceUrl = new URL(ownerUrl);
    serviceUrl.username = roleName;
    serviceUrl.password = password;

    // `docker run -p <free port>:3000 -e DATABASE_URL=… -e AUTH_JWKS_FILE=…`: the image's ENV, the deployer's settings.
    const port = await freePort();
    const env = { ...stageEnv(image), ...auth, DATABASE_URL: serviceUrl.href, MIGRATE_ON_START: 'false', PORT: String(port), HOST: '127.0.0.1' };

    // The first organisation, by the command line, as the restricted role: its id goes into the identity provider's `org` claim.
    const bootstrapped = JSON.parse(
      runInImage(
        image,
        ['cadap', 'bootstrap', '--org-name', 'Replay Coordination Centre', '--kind', 'coordinator', '--country', 'KZ', '--region', 'KZ-PAV', '--locale', 'en'],
        env,
      ),
    );
    const organisationId = bootstrapped.organisations[0].id;
    log(`cadap bootstrap: organisation ${organisationId}`);
    log(`CMD ${image.cmd.join(' ')} (port ${port}, as ${roleName})`);
    service = spawn(image.cmd[0], image.cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise((resolve) => service.once('exit', (code, signal) => resolve(code ?? signal)));

    const deadline = Date.now() + 120_000;
    for (;;) {
      if (service.exitCode !== null) throw new Error(`the service exited (${service.exitCode}) before it was ready`);
      const check = spawnSync('sh', ['-c', image.healthcheck], { cwd: app, env, timeout: 10_000 });
      if (check.status === 0) break;
      if (Date.now() > deadline) throw new Error('HEALTHCHECK did not pass within 120 s');
      await sleep(1000);
    }
    log('HEALTHCHECK passes (/health/ready)');

    const base = `http://127.0.0.1:${port}`;
    const anonymous = await fetch(`${base}/organisations/${organisationId}`);
    if (anonymous.status !== 401) throw new Error(`without a token: ${anonymous.status}, expected 401`);
    const token = await new SignJWT({ org: organisationId, roles: ['admin'], name: 'Replay' })
      .setProtectedHeader({ alg: 'ES256', kid: 'replay' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('replay-admin')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const response = await fetch(`${base}/organisations/${organisationId}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    if (response.status !== 200 || !body.includes('Replay Coordination Centre')) throw new Error(`with the identity provider's token: ${response.status} ${body.slice(0, 300)}`);
    log(`GET /organisations/:id with the JWKS file's token: ${response.status}`);
    const scrape = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const metricsText = await scrape.text();
    if (scrape.status !== 200 || !metricsText.includes('cadap_http_request_duration_seconds'))
      throw new Error(`GET /metrics with the admin token: ${scrape.status} ${metricsText.slice(0, 300)}`);
    log(`GET /metrics with the admin token: ${scrape.status}, ${metricsText.split('\n').filter((line) => line.startsWith('# TYPE')).length} metric families`);

    service.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`after SIGTERM the service exited with ${code}, expected 0`);
    log('SIGTERM: stopped cleanly');

    const verified = runInImage(image, ['cadap', 'audit', 'verify'], env);
    if (!verified.includes('Audit trail verified')) throw new Error(`cadap audit verify: ${verified}`);
    log(`cadap audit verify: ${verified.trim().split('\n').at(-1)}`);
    // Retention as the restricted role: its deletes and updates need no privilege the role lacks.
    const retained = runInImage(image, ['cadap', 'retention', 'run'], env);
    log(`cadap retention run as the restricted role: ${retained.trim().split('\n').at(-1)}`);
  } finally {
    if (service && service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
    await admin.unsafe(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`).catch((error) => log(`could not drop ${databaseName}: ${error.message}`));
    await admin.unsafe(`DROP ROLE IF EXISTS "${roleName}"`).catch((error) => log(`could not drop role ${roleName}: ${error.message}`));
    await admin.end();
  }
}

try {
  await main();
  log('the image build replays and its service runs');
} catch (error) {
  process.stderr.write(`[replay] FAILED: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
