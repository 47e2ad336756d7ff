import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputContaining, runToCompletion, serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';

/**
 * The embedded service as a newcomer runs it: real processes on a real data folder.
 * One data folder goes through start, a refused second start, SIGKILL, restart and a
 * graceful stop with a request in flight.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-embedded-'));
const env = serviceEnv({ DATA_DIR: dataDir });
const running: ServiceProcess[] = [];

afterAll(() => {
  for (const service of running) service.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start() {
  const service = startServiceProcess(env);
  running.push(service);
  return service;
}

async function mintToken(org: string, role: string) {
  const result = await runToCompletion('src/cli/token.ts', ['--org', org, '--role', role], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

describe('embedded mode', { timeout: 120_000 }, () => {
  let first: ServiceProcess;
  let url: string;
  let participantId: string;

  it('starts on an empty folder: migrates, seeds the demo region, prints how to get a token, and that token works', async () => {
    first = start();
    url = await first.ready;
    const banner = await outputContaining(first.stderr, `${url}/docs`);
    expect(banner).toContain('npm run token -- --org "Pavlodar Correctional Colony No. 1" --role prison_staff');
    expect(banner).toContain(`${url}/docs`);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    const token = await mintToken('Pavlodar Correctional Colony No. 1', 'prison_staff');
    const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { organisation: { name: string } }).organisation.name).toBe('Pavlodar Correctional Colony No. 1');
    const created = await fetch(`${url}/participants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ identity: { firstName: 'Kept', lastName: 'After-Kill', dateOfBirth: '1991-01-01' } }),
    });
    expect(created.status).toBe(201);
    participantId = ((await created.json()) as { id: string }).id;
  });

  it('refuses a second process on the same data folder with a clear message', async () => {
    const second = startServiceProcess(env);
    running.push(second);
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.stderr()).toContain(`in use by another running process (PID ${first.child.pid})`);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('the token command finds an organisation created while the service runs', async () => {
    const coordinator = await mintToken('Pavlodar Regional Anti-Drug Commission', 'coordinator');
    const created = await fetch(`${url}/organisations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${coordinator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Later NGO', kind: 'ngo', country: 'KZ', region: 'KZ-PAV', timeZone: 'Asia/Almaty', locale: 'ru', notificationEmails: ['later@example.org'] }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const token = await mintToken('Later NGO', 'ngo_worker');
    const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { organisation: { name: string } }).organisation.name).toBe('Later NGO');
  });

  it('the token command refuses roles not valid for the organisation and unknown organisations', async () => {
    const badRole = await runToCompletion('src/cli/token.ts', ['--org', 'Pavlodar Correctional Colony No. 1', '--role', 'judge'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/not valid at .* \(a prison\)/);
    const unknown = await runToCompletion('src/cli/token.ts', ['--org', 'Nowhere', '--role', 'judge'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Known organisations');
  });

  it('starts again after a SIGKILL (stale locks cleared) with the acknowledged write intact', async () => {
    first.child.kill('SIGKILL');
    await first.exited;
    // Both our lock and PGlite's own postmaster.pid are left behind by the kill.
    expect(fs.existsSync(path.join(dataDir, 'service.lock'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'pgdata', 'postmaster.pid'))).toBe(true);
    const restarted = start();
    url = await restarted.ready;
    expect(restarted.stderr()).not.toContain('Demo region seeded');
    const token = await mintToken('Pavlodar Correctional Colony No. 1', 'prison_staff');
    const read = await fetch(`${url}/participants/${participantId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { identity: { lastName: string } }).identity.lastName).toBe('After-Kill');
    first = restarted;
  });

  it('on SIGTERM finishes the in-flight request, refuses new connections, and releases the folder', async () => {
    const token = await mintToken('Pavlodar Correctional Colony No. 1', 'prison_staff');
    const body = JSON.stringify({ identity: { firstName: 'In', lastName: 'Flight', dateOfBirth: '1992-02-02' } });
    const { port, hostname } = new URL(url);
    // Send the headers and half the body, so the request is in flight when SIGTERM arrives.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: hostname,
          port,
          path: '/participants',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, 20));
      setTimeout(() => {
        first.child.kill('SIGTERM');
        setTimeout(() => request.end(body.slice(20)), 500);
      }, 300);
    });
    const result = await response;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ identity: { lastName: 'Flight' } });
    expect(await first.exited).toBe(0);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    expect(fs.existsSync(path.join(dataDir, 'service.lock'))).toBe(false);
    expect(first.stdout()).toContain('"msg":"stopped"');
  });

  it('the token command refuses to run against an external issuer', async () => {
    const result = await runToCompletion('src/cli/token.ts', ['--org', 'x', '--role', 'judge'], {
      ...env,
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      AUTH_ISSUER: 'https://id.example.org',
      AUTH_AUDIENCE: 'cadap',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/external issuer/);
  });

  it('a configuration error names the bad variable and stops the start', async () => {
    const service = startServiceProcess({ ...env, PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    running.push(service);
    expect(await service.exited).toBe(78);
    expect(service.stderr()).toContain('PORT');
    expect(service.stderr()).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  });
});
