import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_CLASSES } from '../domain.js';
import { SHARING_TABLE } from './sharing-table.js';

/** The sharing table of docs/DOMAIN.md ("Role-scoped sharing"): the data in sharing-table.ts must say exactly what the documentation says. */
const DOMAIN_TABLE = fs
  .readFileSync(path.resolve(import.meta.dirname, '..', '..', 'docs', 'DOMAIN.md'), 'utf8')
  .split('\n')
  .filter((line) => /^\| [a-z-]+ · [a-z_, ]+ \| (✓|–|CO|K) \|/.test(line))
  .join('\n');

const PROTOCOL_NAMES: Record<string, string> = { 'court-ordered': 'court-ordered-treatment' };
const GRANTS: Record<string, string | undefined> = { '✓': 'party', CO: 'court_order', K: 'consent', '–': undefined };

describe('the sharing table', () => {
  it('is the table of docs/DOMAIN.md, row for row and class for class', () => {
    const expected: Record<string, Record<string, Record<string, string>>> = {};
    for (const line of DOMAIN_TABLE.trim().split('\n')) {
      const [head, ...cells] = line
        .split('|')
        .map((cell) => cell.trim())
        .filter(Boolean);
      const [protocol, parts] = head!.split(' · ') as [string, string];
      for (const part of parts.split(', ')) {
        const grants: Record<string, string> = {};
        DATA_CLASSES.forEach((dataClass, index) => {
          const grant = GRANTS[cells[index]!];
          if (grant) grants[dataClass] = grant;
        });
        (expected[PROTOCOL_NAMES[protocol] ?? protocol] ??= {})[part] = grants;
      }
    }
    expect(SHARING_TABLE).toEqual(expected);
  });

  it('gives identity to every part outright, never under a consent: a search, which shows at most a name, does not read consents', () => {
    for (const [protocol, byPart] of Object.entries(SHARING_TABLE)) {
      for (const [part, grants] of Object.entries(byPart))
        expect([`${protocol} ${part}`, grants.identity]).toEqual([`${protocol} ${part}`, expect.stringMatching(/^(party|court_order)$/)]);
    }
  });
});
