import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToCompletion, serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';

/**
 * Who may sign in without an identity provider, as a deployer meets it: real processes.
 * PostgreSQL without an identity provider refuses to start unless the embedded key is chosen
 * explicitly (and then every start warns); the embedded service listens on 127.0.0.1 unless
 * HOST says otherwise; in production it offers no one-click demo sign-in; and the embedded key
 * never signs admin or auditor, in the web or in `npm run token`.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-sign-in-'));
const running: ServiceProcess[] = [];

afterAll(() => {
  for (const service of running) service.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The environment with no HOST at all, so the service's own default shows. */
function envWithoutHost(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = serviceEnv(extra);
  delete env.HOST;
  return env;
}

/** Nothing listens on port 9 of this machine: a start that tried to connect would fail differently. */
const UNREACHABLE_POSTGRES = 'postgres://nobody@127.0.0.1:9/none';

function logLines(output: string): { level?: string; msg?: string; host?: string }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level?: string; msg?: string; host?: string });
}

describe('sign-in without an identity provider', { timeout: 120_000 }, () => {
  it('refuses to start on PostgreSQL without AUTH_JWKS_URL/AUTH_JWKS_FILE or AUTH_EMBEDDED_KEY=true: exit 78, naming the settings', async () => {
    const service = startServiceProcess(serviceEnv({ DATA_DIR: path.join(dataDir, 'refused'), DATABASE_URL: UNREACHABLE_POSTGRES }));
    running.push(service);
    expect(await service.exited).toBe(78);
    for (const name of ['DATABASE_URL', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_EMBEDDED_KEY=true']) expect(service.stderr()).toContain(name);
    expect(service.stdout()).not.toContain('"msg":"listening"');
    // Nothing was created: no key was written for a start that never happened.
    expect(fs.existsSync(path.join(dataDir, 'refused', 'auth', 'signing-key.json'))).toBe(false);
  });

  it('refuses to start in production (as the image runs) with no database and no identity provider: exit 78, naming the settings and CADAP_DEMO=true', async () => {
    const service = startServiceProcess(serviceEnv({ DATA_DIR: path.join(dataDir, 'refused-production'), NODE_ENV: 'production' }));
    running.push(service);
    expect(await service.exited).toBe(78);
    for (const name of ['DATABASE_URL', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'CADAP_DEMO=true']) expect(service.stderr()).toContain(name);
    expect(service.stdout()).not.toContain('"msg":"listening"');
  });

  it('npm run token follows the same rule on PostgreSQL', async () => {
    const result = await runToCompletion(
      'src/cli/token.ts',
      ['--org', 'x', '--role', 'judge'],
      serviceEnv({ DATA_DIR: path.join(dataDir, 'refused'), DATABASE_URL: UNREACHABLE_POSTGRES }),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('AUTH_EMBEDDED_KEY=true');
  });

  describe('the embedded service with NODE_ENV=production and AUTH_EMBEDDED_KEY=true, HOST unset', () => {
    const env = envWithoutHost({ DATA_DIR: dataDir, NODE_ENV: 'production', AUTH_EMBEDDED_KEY: 'true' });
    let service: ServiceProcess;
    let url: string;

    it('listens on 127.0.0.1 and warns about the embedded key at start', async () => {
      service = startServiceProcess(env);
      running.push(service);
      url = await service.ready;
      const lines = logLines(service.stdout());
      expect(lines.find((line) => line.msg === 'listening')?.host).toBe('127.0.0.1');
      const warning = lines.find((line) => line.level === 'warn' && line.msg?.includes('AUTH_EMBEDDED_KEY=true'));
      expect(warning?.msg).toMatch(/anyone who can read that file can sign in/);
      // The banner does not advertise a demo sign-in it will not give.
      expect(service.stderr()).not.toContain('demo sign-in');
    });

    it('offers no demo sign-in in production, and refuses the form posted anyway (no session)', async () => {
      const page = await fetch(`${url}/app/sign-in`);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).not.toContain('/app/sign-in/demo');
      expect(html).not.toContain('|prison_staff');
      const orgs = JSON.parse(fs.readFileSync(path.join(dataDir, 'auth', 'organisations.json'), 'utf8')) as { id: string; kind: string }[];
      const prison = orgs.find((org) => org.kind === 'prison')!;
      const pre = 'p'.repeat(32);
      const posted = await fetch(`${url}/app/sign-in/demo`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, cookie: `cadap-pre=${pre}` },
        body: new URLSearchParams({ _csrf: pre, choice: `${prison.id}|prison_staff` }).toString(),
      });
      expect(posted.status).toBe(403);
      expect(posted.headers.getSetCookie().some((line) => line.startsWith('cadap-session='))).toBe(false);
    });

    it('npm run token never mints admin or auditor, and still mints a staff role', async () => {
      for (const role of ['admin', 'auditor']) {
        const refused = await runToCompletion('src/cli/token.ts', ['--org', 'Pavlodar Correctional Colony No. 1', '--role', role], env);
        expect(refused.code, role).toBe(2);
        expect(refused.stdout, role).toBe('');
        expect(refused.stderr, role).toContain(`never signs ${role}`);
      }
      const mixed = await runToCompletion('src/cli/token.ts', ['--org', 'Pavlodar Correctional Colony No. 1', '--role', 'prison_staff', '--role', 'admin'], env);
      expect(mixed.code).toBe(2);
      expect(mixed.stdout).toBe('');
      const tooLong = await runToCompletion('src/cli/token.ts', ['--org', 'Pavlodar Correctional Colony No. 1', '--role', 'prison_staff', '--ttl', '13h'], env);
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain('AUTH_MAX_TOKEN_LIFETIME_SECONDS');
      const staff = await runToCompletion('src/cli/token.ts', ['--org', 'Pavlodar Correctional Colony No. 1', '--role', 'prison_staff'], env);
      expect(staff.code).toBe(0);
      const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${staff.stdout.trim()}` } });
      expect(me.status).toBe(200);
    });

    it('stops cleanly', async () => {
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    });
  });
});
