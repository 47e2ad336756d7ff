import type { LoadRequest } from '../lib/load.js';

/** Requests that walk a list of ids round and round. */
export const rotate = (list: string[], make: (id: string) => string): LoadRequest['next'] => {
  let index = 0;
  return () => ({ path: make(list[index++ % list.length]!) });
};

/** Name searches (`POST /participants/search`, a page of 50), walking a list of names round and round. */
export const nameSearches = (names: string[]): LoadRequest => {
  let index = 0;
  return { method: 'POST', next: () => ({ path: '/participants/search', body: { name: names[index++ % names.length]! } }) };
};

/**
 * A drug test on an enrolled case. A case is lent to one request at a time and returned with its
 * new version when the answer comes, so no two requests race for the same case.
 */
export function drugTests(enrolled: string[]): LoadRequest {
  const free = enrolled.map((id) => ({ id, version: 2 }));
  return {
    method: 'POST',
    next: (context) => {
      const target = free.shift();
      if (!target) throw new Error(`more connections than enrolled cases (${enrolled.length})`);
      context.current = target;
      return { path: `/cases/${target.id}/events`, body: { type: 'DRUG_TEST_RECORDED', data: { date: '2026-03-10', result: 'negative' }, expectedVersion: target.version } };
    },
    onResponse: (status, body, context) => {
      const target = context.current as { id: string; version: number };
      if (status >= 200 && status < 300) target.version = (JSON.parse(body) as { version?: number }).version ?? target.version + 1;
      free.push(target);
    },
  };
}
