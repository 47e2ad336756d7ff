import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * Layers point one way (CONVENTIONS.md): protocols/ imports nothing from src/; src/access/
 * imports no feature service; a feature's service does not import src/http/ (only its
 * routes.ts does); db/ imports nothing from src/; locales/ (the translation catalogues, read by
 * every layer) imports none of them. eslint.config.js enforces each with
 * `no-restricted-imports`; here each rule is shown to fire on a sample placed in its folder,
 * and to leave the allowed imports alone.
 */
const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, '..') });

async function refusals(filePath: string, from: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { thing } from '${from}';\nexport const used = thing;\n`, { filePath });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('the layer rules', () => {
  it('refuse src/ in protocols/, and accept the engine’s own modules', async () => {
    expect(await refusals('protocols/lint-sample.ts', '../src/domain.js')).toEqual([expect.stringContaining('protocols/ imports nothing from src/')]);
    expect(await refusals('protocols/lint-sample.ts', '../src/http/errors.js')).toHaveLength(1);
    expect(await refusals('protocols/lint-sample.ts', './vocabulary.js')).toEqual([]);
    expect(await refusals('protocols/lint-sample.ts', './field-errors.js')).toEqual([]);
    expect(await refusals('protocols/lint-sample.ts', '../locales/catalogue.js')).toEqual([]);
  });

  it('refuse a feature service in src/access/, and accept the policy’s own files, the actor and the top-level modules', async () => {
    expect(await refusals('src/access/lint-sample.ts', '../consents/service.js')).toEqual([expect.stringContaining('src/access/ imports no feature service')]);
    expect(await refusals('src/access/lint-sample.ts', '../cases/present.js')).toHaveLength(1);
    // src/http/ is both a feature-level folder and HTTP: both rules name it.
    expect(await refusals('src/access/lint-sample.ts', '../http/errors.js')).toHaveLength(2);
    for (const allowed of ['./consents.js', '../auth/authenticator.js', '../domain.js', '../errors.js', '../../db/schema.js', '../../protocols/types.js']) {
      expect(await refusals('src/access/lint-sample.ts', allowed)).toEqual([]);
    }
  });

  it('refuse src/http/ in a feature’s service and its helpers, and accept it in routes.ts, src/http/ and src/web/', async () => {
    for (const file of ['src/cases/service.ts', 'src/cases/lint-sample.ts', 'src/consents/lint-sample.ts', 'src/audit/lint-sample.ts']) {
      expect(await refusals(file, '../http/errors.js')).toEqual([expect.stringContaining('Only routes.ts')]);
      expect(await refusals(file, '../http/context.js')).toHaveLength(1);
    }
    expect(await refusals('src/scheduler.ts', './http/pagination.js')).toHaveLength(1);
    expect(await refusals('src/cases/lint-sample.ts', '../errors.js')).toEqual([]);
    expect(await refusals('src/cases/lint-sample.ts', '../request-facts.js')).toEqual([]);
    expect(await refusals('src/cases/lint-sample.ts', '../pagination.js')).toEqual([]);
    expect(await refusals('src/cases/routes.ts', '../http/context.js')).toEqual([]);
    expect(await refusals('src/http/lint-sample.ts', './errors.js')).toEqual([]);
    expect(await refusals('src/web/lint-sample.ts', '../http/errors.js')).toEqual([]);
  });

  it('refuse the database in a web page (db/, drizzle-orm, a driver), and accept the API client, the shapes and the page helpers', async () => {
    // Pages show what the API shows the signed-in person (issue 14 item 5: pages never read the database).
    for (const page of ['src/web/pages/lint-sample.tsx', 'src/web/pages/home/lint-sample.tsx', 'src/web/lint-sample.tsx']) {
      const db = page.startsWith('src/web/pages/home/') ? '../../../../db/' : page.startsWith('src/web/pages/') ? '../../../db/' : '../../db/';
      expect(await refusals(page, `${db}schema.js`)).toEqual([expect.stringContaining('Pages never read the database')]);
      expect(await refusals(page, `${db}client.js`)).toHaveLength(1);
      expect(await refusals(page, 'drizzle-orm')).toHaveLength(1);
      expect(await refusals(page, 'drizzle-orm/pg-core')).toHaveLength(1);
      expect(await refusals(page, 'postgres')).toHaveLength(1);
      expect(await refusals(page, '@electric-sql/pglite')).toHaveLength(1);
    }
    for (const allowed of ['../api.js', '../shapes.js', '../layout.js', '../i18n.js', '../../../protocols/time.js']) {
      expect(await refusals('src/web/pages/lint-sample.tsx', allowed)).toEqual([]);
    }
    // The session store is not a page: it keeps the web sessions' rows.
    expect(await refusals('src/web/session.ts', '../../db/schema.js')).toEqual([]);
  });

  it('refuse src/ (src/config.ts’s parsing included) in db/, and accept db/’s own modules', async () => {
    expect(await refusals('db/lint-sample.ts', '../src/config.js')).toEqual([expect.stringContaining('db/ imports nothing from src/')]);
    expect(await refusals('db/lint-sample.ts', './schema.js')).toEqual([]);
  });

  it('refuse src/, protocols/, notifications/ and db/ in locales/, and accept the catalogues themselves', async () => {
    expect(await refusals('locales/lint-sample.ts', '../src/web/i18n.js')).toEqual([expect.stringContaining('locales/ imports nothing from src/')]);
    for (const layer of ['../protocols/index.js', '../notifications/templates.js', '../db/schema.js']) expect(await refusals('locales/lint-sample.ts', layer)).toHaveLength(1);
    expect(await refusals('locales/lint-sample.ts', './catalogue.js')).toEqual([]);
    for (const reader of ['src/web/lint-sample.ts', 'notifications/lint-sample.ts', 'protocols/lint-sample.ts']) {
      expect(await refusals(reader, reader.startsWith('src/') ? '../../locales/catalogue.js' : '../locales/catalogue.js')).toEqual([]);
    }
  });
});
