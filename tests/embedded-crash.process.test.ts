import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToCompletion, serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * Crash safety of the embedded database: the real service (as `npm start` runs it) on one data
 * folder, written to continuously and SIGKILLed at a random moment, again and again. Every
 * restart must come up (stale locks cleared) and every acknowledged write must survive.
 *
 * It needs no PostgreSQL (it is about the embedded database by definition), but it takes a
 * few minutes, so it runs once per CI run: in the PostgreSQL pass (`npm run test:pg`).
 * CRASH_CYCLES overrides the number of cycles.
 */
const CYCLES = Number(process.env.CRASH_CYCLES ?? 50);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-crash-'));
const env = serviceEnv({ DATA_DIR: dataDir, SCHEDULER: 'off', RATE_LIMIT: 'off' });
let current: ServiceProcess | undefined;

afterAll(() => {
  current?.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function mintToken(org: string, role: string) {
  const result = await runToCompletion('src/cli/token.ts', ['--org', org, '--role', role], env);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** The start must succeed; if not, the failure names the cycle, the exit code or signal, and the service's stderr. */
async function readyOrExplain(service: ServiceProcess, label: string): Promise<string> {
  const signal = new Promise<string>((resolve) => service.child.once('exit', (code, killedBy) => resolve(`code ${code}, signal ${killedBy}`)));
  try {
    return await service.ready;
  } catch {
    throw new Error(`${label}: the service did not start (${await signal}):\n${service.stderr().slice(-2000)}\n${service.stdout().slice(-2000)}`);
  }
}

describe.runIf(onPostgres)('embedded crash safety', () => {
  it(`loses no acknowledged write over ${CYCLES} SIGKILL and restart cycles, and every restart succeeds`, { timeout: 600_000 }, async () => {
    const acknowledged: Array<{ id: string; lastName: string }> = [];
    let token = '';
    let restarts = 0;
    let inFlightAtKill = 0;
    const refused: string[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      current = startServiceProcess(env);
      const url = await readyOrExplain(current, `cycle ${cycle}`);
      restarts += 1;
      if (!token) token = await mintToken('Pavlodar Correctional Colony No. 1', 'prison_staff');
      // The kill falls at a random moment after this cycle's first acknowledged write, so every
      // cycle kills a service that is writing, however slow the machine is (a fixed delay from the
      // start let a loaded machine kill before any write, and the count below depended on speed).
      let firstAcknowledged: () => void = () => {};
      const oneAcknowledged = new Promise<void>((resolve) => (firstAcknowledged = resolve));
      const acknowledgedBefore = acknowledged.length;
      let writing = true;
      const writers = Array.from({ length: 3 }, async (_, w) => {
        let n = 0;
        while (writing) {
          const lastName = `Crash-${cycle}-${w}-${(n += 1)}`;
          try {
            const response = await fetch(`${url}/participants`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ identity: { firstName: 'Kill', lastName, dateOfBirth: '1990-01-01' } }),
            });
            if (response.status === 201) {
              acknowledged.push({ id: ((await response.json()) as { id: string }).id, lastName });
              firstAcknowledged();
            } else {
              // Asserted after the loop: an expect() here would be swallowed by the catch below.
              refused.push(`${lastName}: ${response.status}`);
            }
          } catch {
            // The connection died with the process: not acknowledged, so nothing to keep.
            inFlightAtKill += 1;
            return;
          }
        }
      });
      await Promise.race([oneAcknowledged, current.exited]);
      expect(acknowledged.length, `cycle ${cycle}: the service acknowledged no write before it exited`).toBeGreaterThan(acknowledgedBefore);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 600));
      current.child.kill('SIGKILL');
      writing = false;
      await Promise.all(writers);
      await current.exited;
    }

    current = startServiceProcess(env);
    const url = await readyOrExplain(current, 'final start');
    restarts += 1;
    const missing: string[] = [];
    for (const write of acknowledged) {
      const response = await fetch(`${url}/participants/${write.id}`, { headers: { authorization: `Bearer ${token}` } });
      const body = response.status === 200 ? ((await response.json()) as { identity?: { lastName?: string } }) : undefined;
      if (body?.identity?.lastName !== write.lastName) missing.push(`${write.lastName} (${response.status})`);
    }
    expect(refused, 'a write the live service answered with something other than 201').toEqual([]);
    expect(missing).toEqual([]);
    const coordinator = await mintToken('Pavlodar Regional Anti-Drug Commission', 'coordinator');
    const verify = await fetch(`${url}/audit/verify`, { headers: { authorization: `Bearer ${coordinator}` } });
    expect(verify.status).toBe(200);
    const report = (await verify.json()) as { ok: boolean; rows: number };
    expect(report.ok).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(CYCLES);
    current.child.kill('SIGTERM');
    expect(await current.exited).toBe(0);
    process.stdout.write(
      `embedded crash safety: ${CYCLES} SIGKILLs, ${restarts} successful starts, ${acknowledged.length} acknowledged writes all present, ` +
        `${inFlightAtKill} requests cut by the kill, audit chains verify (${report.rows} rows)\n`,
    );
  });
});
