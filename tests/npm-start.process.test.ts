import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';

/**
 * `npm start` as a newcomer runs it: scripts/start.mjs transpiles the sources with esbuild and
 * runs them on plain Node, with what the code reads beside itself (scripts/copy-assets.mjs): the
 * migrations, the stylesheet and the translation catalogues, which Node loads only with their
 * `with { type: 'json' }` import attribute.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-npm-start-'));
let service: ServiceProcess | undefined;

afterAll(() => {
  service?.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', { timeout: 120_000 }, () => {
  it('serves the workspace in both languages (the catalogues) and its stylesheet, from the transpiled sources', async () => {
    service = startServiceProcess(serviceEnv({ DATA_DIR: dataDir }), 'npm-start');
    const url = await service.ready;
    const signIn = async (lang: string) => (await fetch(`${url}/app/sign-in`, { headers: { cookie: `lang=${lang}` } })).text();
    expect(await signIn('ru')).toContain('<h1>Вход</h1>');
    expect(await signIn('en')).toContain('<h1>Sign in</h1>');
    expect((await fetch(`${url}/app/assets/app.css`)).status).toBe(200);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });
});
