import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { transitionsIn } from '../protocols/engine.js';
import { PROTOCOLS } from '../protocols/index.js';

/**
 * What a protocol does is in its data (protocols/*.ts): the case and consent services run any
 * protocol and name none of them. A protocol id or one of its event types written into src/cases/ or src/consents/ is a rule
 * the published document cannot show.
 */
const names = [
  ...Object.keys(PROTOCOLS),
  ...new Set(Object.values(PROTOCOLS).flatMap((definition) => Object.keys(definition.states).flatMap((state) => Object.keys(transitionsIn(definition, state))))),
];

function offences(source: string): string[] {
  return names.filter((name) => new RegExp(`['"\`]${name}['"\`]`).test(source));
}

describe('the case and consent services name no protocol', () => {
  for (const module of ['cases', 'consents']) {
    const folder = join(import.meta.dirname, '..', 'src', module);
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      it(`src/${module}/${file} holds no protocol id or event type`, () => {
        expect(offences(readFileSync(join(folder, file), 'utf8'))).toEqual([]);
      });
    }
  }

  it('the check finds a protocol id or an event type written as a string', () => {
    expect(offences(`if (input.protocol === 'halfway-house' && event.type === "ACCEPTED") {}`)).toEqual(['halfway-house', 'ACCEPTED']);
  });
});
