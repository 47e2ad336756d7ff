import { eq } from 'drizzle-orm';
import { cases } from '../../db/schema.js';
import { titleOf } from '../../notifications/templates.js';
import type { Received } from './smtp.js';
import type { TestContext } from './context.js';
import type { OrgKey, Region } from './region.js';

/**
 * Who was told of a case's rule, across the whole test world: for every organisation of every
 * region, whether the rule is in its inbox (`GET /notifications`), in its work queue
 * (`GET /deadlines`), and in an e-mail to one of its addresses that names the case and carries
 * the rule's title. Home
 * organisations are named by their key (`court`), others as `KZ-KAR:court`. Tests compare the
 * three lists with exactly the parties the "Who is told" table names, so a notice to anyone
 * else (a decoy region's court, the wrong party) fails as surely as a missing one.
 */
export type Told = { inbox: string[]; queue: string[]; email: string[] };

export async function whoIsTold(t: TestContext, r: Region, received: readonly Received[], about: { caseId: string; rule: string }): Promise<Told> {
  const told: Told = { inbox: [], queue: [], email: [] };
  const [row] = await t.db.select({ protocol: cases.protocol }).from(cases).where(eq(cases.id, about.caseId));
  const title = titleOf(row?.protocol ?? null, about.rule);
  for (const region of r.regions) {
    const prefix = region.spec.region === r.spec.region ? '' : `${region.spec.region}:`;
    for (const [key, org] of Object.entries(region.orgs) as [OrgKey, (typeof region.orgs)[OrgKey]][]) {
      if (!org) continue;
      const name = `${prefix}${key}`;

      const token = region.tokens[key];
      const inbox = await t.request('GET', '/notifications?limit=200', { token });
      if (inbox.status !== 200) throw new Error(`inbox of ${name}: ${inbox.status} ${inbox.text}`);
      if (inbox.json.items.some((item: { caseId: string | null; rule: string }) => item.caseId === about.caseId && item.rule === about.rule)) told.inbox.push(name);
      const queue = await t.request('GET', '/deadlines?limit=200', { token });
      if (queue.status !== 200) throw new Error(`work queue of ${name}: ${queue.status} ${queue.text}`);
      if (queue.json.items.some((item: { caseId: string | null; rule: string }) => item.caseId === about.caseId && item.rule === about.rule)) told.queue.push(name);
      const mailed = received.some(
        (message) =>
          message.to.some((address) => org.notificationEmails.includes(address)) &&
          (message.mail.text ?? '').includes(about.caseId) &&
          [title.en, title.ru].some((text) => (message.mail.subject ?? '').includes(text)),
      );
      if (mailed) told.email.push(name);
    }
  }
  for (const list of Object.values(told)) list.sort();
  return told;
}
