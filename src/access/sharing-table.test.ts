import { describe, expect, it } from 'vitest';
import { DATA_CLASSES } from '../domain.js';
import { SHARING_TABLE } from './sharing-table.js';

/** DOMAIN.md's table, copied verbatim: the data in sharing-table.ts must say exactly this. */
const DOMAIN_TABLE = `
| court-ordered · court | ✓ | – | – | ✓ | CO | – | – | – |
| court-ordered · probation | ✓ | ✓ | – | ✓ | CO | K | ✓ | K |
| court-ordered · provider | ✓ | ✓ | – | ✓ | ✓ | ✓ | ✓ | K |
| court-ordered · ngo | ✓ | ✓ | – | – | K | K | K | K |
| unit-enrolment · prison | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | K |
| unit-enrolment · ngo | ✓ | – | ✓ | – | K | K | K | K |
| pre-release · prison | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | K |
| pre-release · probation | ✓ | ✓ | ✓ | ✓ | ✓ | K | ✓ | K |
| pre-release · ngo, halfway_house | ✓ | ✓ | ✓ | – | – | K | K | K |
| pre-release · provider | ✓ | ✓ | ✓ | – | – | ✓ | – | K |
| halfway-house · referrer | ✓ | ✓ | ✓ | – | – | K | ✓ | K |
| halfway-house · halfway_house, ngo, probation | ✓ | ✓ | ✓ | – | – | K | K | K |
| patronage · sender | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | K |
| patronage · ngo | ✓ | ✓ | ✓ | – | – | K | K | K |
| patronage · coordinator | ✓ | – | ✓ | ✓ | ✓ | – | – | – |
`;

const PROTOCOL_NAMES: Record<string, string> = { 'court-ordered': 'court-ordered-treatment' };
const GRANTS: Record<string, string | undefined> = { '✓': 'party', CO: 'court_order', K: 'consent', '–': undefined };

describe('the sharing table', () => {
  it('is DOMAIN.md’s table, row for row and class for class', () => {
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
});
