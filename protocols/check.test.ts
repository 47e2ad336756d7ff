import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definitionProblems } from './check.js';
import { PROTOCOLS } from './index.js';
import { dueValues } from './titles.js';
import type { NoticeDeadline, ProtocolDefinition } from './types.js';

describe('protocol definitions refer only to what exists', () => {
  for (const definition of Object.values(PROTOCOLS)) {
    it(`${definition.id}: every part, state, deadline, linked protocol and fact it names is there`, () => {
      expect(definitionProblems(definition, PROTOCOLS)).toEqual([]);
    });
  }

  it('finds the mistakes a typo or a forgotten fact would make', () => {
    const unit = PROTOCOLS['unit-enrolment']!;
    const pre = PROTOCOLS['pre-release']!;
    const screened = unit.states.screened!;
    const broken: ProtocolDefinition = {
      ...unit,
      states: {
        ...unit.states,
        screened: {
          ...screened,
          on: {
            ...screened.on,
            // The admission without the fact its choice reads, to a state that does not exist.
            ADMITTED: { ...screened.on!.ADMITTED!, facts: [], target: [{ target: 'enroled', when: 'hasFreeCapacity' }, { target: 'waitlisted' }] },
            NEW_EVENT: { by: ['warden'], target: 'observation', data: z.strictObject({}), description: { en: '', ru: '' } },
          },
        },
      },
      deadlines: {
        ...unit.deadlines,
        review_due: { ...(unit.deadlines.review_due as NoticeDeadline), notify: ['probation'], activeIn: ['enroled'] },
        // A timeout whose event its state does not accept from the system.
        enrolment_expires: {
          kind: 'timeout',
          title: { en: 'Expires', ru: 'Истекает' },
          activeIn: ['enrolled'],
          due: { anchor: 'admittedOn', type: 'date', days: 30 },
          sends: 'COMPLETED',
        },
      },
      opening: {
        ...unit.opening,
        retires: [{ protocol: 'pre-release', deadline: 'no_such_rule' }],
        opens: [{ protocol: 'patronage', parties: { ngo: { part: 'ngo' } }, data: 'patronageHandover' }],
      },
      facts: [],
    };
    const problems = definitionProblems(broken, PROTOCOLS);
    for (const expected of [
      'unit-enrolment screened ADMITTED: unknown target enroled',
      'unit-enrolment screened ADMITTED: needs the fact freeCapacity',
      'unit-enrolment screened NEW_EVENT: unknown part warden',
      'unit-enrolment: event NEW_EVENT has no data class',
      'unit-enrolment deadline review_due: unknown state enroled',
      'unit-enrolment deadline review_due: notifies unknown part probation',
      'unit-enrolment deadline enrolment_expires: enrolled does not accept COMPLETED from the system',
      'unit-enrolment deadline pre_release_planning: needs the fact openProtocols',
      'unit-enrolment opening: retires unknown deadline pre-release.no_such_rule',
      'unit-enrolment opening: opens patronage without its owner part',
    ]) {
      expect(problems).toContain(expected);
    }
    expect(definitionProblems({ ...pre, states: { ...pre.states, released: { ...pre.states.released!, on: {} } } }, PROTOCOLS)).toEqual([]);
    expect(
      definitionProblems(PROTOCOLS.patronage!, { ...PROTOCOLS, 'pre-release': { ...pre, states: { ...pre.states, released: { ...pre.states.released!, on: {} } } } }),
    ).toContain('patronage sent ACKNOWLEDGED: pre-release does not accept PATRONAGE_ACKNOWLEDGED from the system');
  });
});

describe('numbers in titles come from the data', () => {
  for (const definition of Object.values(PROTOCOLS)) {
    for (const [name, rule] of Object.entries(definition.deadlines)) {
      it(`${definition.id} ${name}: no number is written into the title; each placeholder is one of its due’s numbers`, () => {
        for (const text of [rule.title.en, rule.title.ru]) {
          // Digits only inside ICU syntax (`{days, plural, one {# day} ...}` has none); a literal number would drift.
          expect(text.replace(/\{[^{}]*\{[^{}]*\}[^{}]*\}/g, ''), text).not.toMatch(/\d/);
          const placeholders = [...text.matchAll(/\{(\w+)[,}]/g)].map((match) => match[1]);
          for (const placeholder of placeholders) expect(Object.keys(dueValues(rule)), `${text}`).toContain(placeholder);
        }
      });
    }
  }
});
