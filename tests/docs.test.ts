import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../protocols/index.js';
import { PERMISSIONS } from '../src/access/permissions.js';
import { DATA_CLASSES, NON_PERSONAL_ROLES, ROLE_FOR_KIND, ROLES, type Role } from '../src/domain.js';
import { ERROR_CODES, statusOf } from '../src/errors.js';
import { INDICATORS } from '../src/indicators/definitions.js';
import { anchors, codeSpans, readDoc, ROOT, section, tableRows, textOf, trackedFiles, withoutCodeBlocks } from './helpers/markdown.js';

/**
 * The project documents itself (docs/DOMAIN.md, docs/API.md, the README) and links nothing
 * outside the repository; the tables of docs/ that restate the code say what the code says.
 * The routes are checked against the app in tests/docs.int.test.ts.
 */
const api = readDoc('docs/API.md');
const domain = readDoc('docs/DOMAIN.md');

describe('the repository refers to nothing outside itself', () => {
  // Written in pieces, so that this file does not name what it looks for.
  const outside = [['..', 'shared'].join('/'), ['shared', 'design'].join('/')];

  it('no tracked text file refers to the design folder beside the project', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    const offending = files.filter((file) => {
      const text = textOf(file);
      return text !== undefined && outside.some((needle) => text.includes(needle));
    });
    expect(offending, `these files refer to ${outside.join(' or ')}`).toEqual([]);
  });

  it('every relative link of every tracked Markdown file reaches a file of the repository, and its heading', () => {
    const broken: string[] = [];
    for (const file of trackedFiles().filter((name) => name.endsWith('.md'))) {
      const text = withoutCodeBlocks(textOf(file)!);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z][a-z+.-]*:/i.test(target!)) continue; // https:, mailto:
        const [linked, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = linked ? path.resolve(ROOT, path.dirname(file), linked) : path.join(ROOT, file);
        if (!resolved.startsWith(ROOT + path.sep) || !fs.existsSync(resolved)) broken.push(`${file}: ${target} (no such file in the repository)`);
        else if (anchor && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** "any role", "any role but `auditor`, `admin`", or the roles in backticks. */
function rolesOf(cell: string): Role[] {
  if (cell === 'any role') return [...ROLES];
  if (cell.startsWith('any role but')) return ROLES.filter((role) => !codeSpans(cell).includes(role));
  return codeSpans(cell) as Role[];
}

describe('docs/API.md says what the code says', () => {
  it('its error table has every error code, each with its status, and no other', () => {
    const rows = tableRows(section(api, 'Errors'));
    const table = Object.fromEntries(rows.map(([code = '', status = '']) => [codeSpans(code)[0], Number.parseInt(status, 10)]));
    expect(table).toEqual(Object.fromEntries(ERROR_CODES.map((code) => [code, statusOf(code)])));
  });

  it('its permission table has every permission with exactly the roles it admits', () => {
    const rows = tableRows(section(api, 'Permissions'));
    const table = Object.fromEntries(rows.map(([permission = '', roles = '']) => [codeSpans(permission)[0], rolesOf(roles).sort()]));
    expect(table).toEqual(Object.fromEntries(Object.entries(PERMISSIONS).map(([permission, roles]) => [permission, [...roles].sort()])));
    expect(rolesOf('any role but `auditor`, `admin`').sort()).toEqual(ROLES.filter((role) => !NON_PERSONAL_ROLES.includes(role)).sort());
  });
});

describe('docs/DOMAIN.md says what the code says', () => {
  it('lists every role with the organisation kind it is valid at', () => {
    const rows = tableRows(section(domain, 'Organisations and the people who use them'));
    const table = Object.fromEntries(rows.map(([role = '', kind = '']) => [codeSpans(role)[0], kind === 'any kind' ? 'any kind' : codeSpans(kind)[0]]));
    const kindOf = (role: Role) => (NON_PERSONAL_ROLES.includes(role) ? 'any kind' : Object.entries(ROLE_FOR_KIND).find(([, valid]) => valid === role)?.[0]);
    expect(table).toEqual(Object.fromEntries(ROLES.map((role) => [role, kindOf(role)])));
  });

  it('lists the data classes in order', () => {
    const rows = tableRows(section(domain, 'Participants and their data classes'));
    expect(rows.map(([dataClass = '']) => codeSpans(dataClass)[0])).toEqual([...DATA_CLASSES]);
  });

  it('describes each protocol the code runs, numbered, and no other', () => {
    const numbered = [...section(domain, 'The protocols').matchAll(/^### \d+\. `([a-z-]+)`/gm)].map((match) => match[1]);
    expect(numbered).toEqual(Object.keys(PROTOCOLS));
  });

  it('lists every published indicator and no other', () => {
    const rows = tableRows(section(domain, 'Monitoring and evaluation'));
    expect(rows.flatMap(([indicator = '']) => codeSpans(indicator)).sort()).toEqual(INDICATORS.map((indicator) => indicator.id).sort());
  });
});
