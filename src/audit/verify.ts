import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditChains, auditCheckpoints, auditEvents } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import { auditHash, GENESIS_HASH } from './audit.js';
import { checkpointMessage, type CheckpointSigner } from './signer.js';

export type ChainReport = {
  chain: string;
  rows: number;
  lastPosition: number;
  checkpoints: number;
  ok: boolean;
  /** The first bad row: its position in the chain, its row number when it exists, and what is wrong. */
  firstBad?: { position: number; seq: number | null; reason: string };
};

export type VerificationReport = { ok: boolean; verifiedAt: string; rows: number; chains: ChainReport[]; legacyRows: number };

const PAGE = 5000;

/** Writes a signed checkpoint for every chain that has moved since its last one, and logs it. */
export async function writeCheckpoints(db: Executor, signer: CheckpointSigner, now: Date, logger?: Logger): Promise<number> {
  const heads = await db.select().from(auditChains).where(gt(auditChains.position, 0));
  let written = 0;
  for (const head of heads) {
    const [last] = await db
      .select({ position: auditCheckpoints.position })
      .from(auditCheckpoints)
      .where(eq(auditCheckpoints.chain, head.chain))
      .orderBy(sql`${auditCheckpoints.position} desc`)
      .limit(1);
    if (last && last.position >= head.position) continue;
    const signature = signer.sign(checkpointMessage(head.chain, head.position, head.headHash, now));
    await db.insert(auditCheckpoints).values({ chain: head.chain, position: head.position, headHash: head.headHash, at: now, keyId: signer.keyId, signature });
    logger?.info('audit checkpoint', { chain: head.chain, position: head.position, hash: head.headHash });
    written += 1;
  }
  return written;
}

/**
 * Verifies every chain: positions without gaps, each row's link to the previous hash, each
 * row's own hash over its content, and every signed checkpoint (a row at its position with
 * its head hash, so a truncated tail is caught). Names the first bad row of each chain.
 */
export async function verifyAuditTrail(db: Executor, signer: CheckpointSigner, now: Date): Promise<VerificationReport> {
  const chainNames = new Set<string>();
  for (const row of await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents).where(ne(auditEvents.chain, 'legacy'))) chainNames.add(row.chain);
  for (const row of await db.select({ chain: auditChains.chain }).from(auditChains).where(gt(auditChains.position, 0))) chainNames.add(row.chain);
  for (const row of await db.selectDistinct({ chain: auditCheckpoints.chain }).from(auditCheckpoints)) chainNames.add(row.chain);
  const [legacy] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(eq(auditEvents.chain, 'legacy'));

  const chains: ChainReport[] = [];
  let total = 0;
  // Chains verify side by side: one chain's page is read while another's is hashed.
  for (const report of await Promise.all([...chainNames].sort().map((chain) => verifyChain(db, signer, chain)))) {
    total += report.rows;
    chains.push(report);
  }
  return { ok: chains.every((chain) => chain.ok), verifiedAt: now.toISOString(), rows: total, chains, legacyRows: legacy?.n ?? 0 };
}

async function verifyChain(db: Executor, signer: CheckpointSigner, chain: string): Promise<ChainReport> {
  const checkpoints = await db.select().from(auditCheckpoints).where(eq(auditCheckpoints.chain, chain)).orderBy(asc(auditCheckpoints.position));
  const expectedAt = new Map<number, string>();
  let firstBad: ChainReport['firstBad'];
  const fail = (position: number, seq: number | null, reason: string) => {
    if (!firstBad || position < firstBad.position) firstBad = { position, seq, reason };
  };
  for (const checkpoint of checkpoints) {
    if (!signer.verify(checkpoint.keyId, checkpointMessage(checkpoint.chain, checkpoint.position, checkpoint.headHash, checkpoint.at), checkpoint.signature)) {
      fail(checkpoint.position, null, `checkpoint ${checkpoint.id} has no valid signature from a known key`);
    } else expectedAt.set(checkpoint.position, checkpoint.headHash);
  }

  let expectedPosition = 1;
  let previous = GENESIS_HASH;
  let rows = 0;
  let after = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, chain), gt(auditEvents.position, after)))
      .orderBy(asc(auditEvents.position))
      .limit(PAGE);
    for (const row of page) {
      rows += 1;
      if (!firstBad) {
        if (row.position !== expectedPosition) fail(expectedPosition, null, `row at position ${expectedPosition} is missing (next is ${row.position})`);
        else if (row.prevHash !== previous) fail(row.position, row.seq, 'does not link to the previous row’s hash');
        else if (auditHash(row.prevHash, row) !== row.hash) fail(row.position, row.seq, 'its content does not match its hash (edited)');
        else {
          const checkpointHash = expectedAt.get(row.position);
          if (checkpointHash !== undefined && checkpointHash !== row.hash) fail(row.position, row.seq, 'differs from the signed checkpoint at this position');
        }
      }
      previous = row.hash;
      expectedPosition = row.position + 1;
      after = row.position;
    }
    if (page.length < PAGE) break;
  }
  const lastPosition = after;
  const lastCheckpoint = checkpoints.at(-1);
  if (lastCheckpoint && lastCheckpoint.position > lastPosition) {
    fail(lastPosition + 1, null, `rows from position ${lastPosition + 1} to ${lastCheckpoint.position} are gone (the tail was truncated after checkpoint ${lastCheckpoint.id})`);
  }
  return { chain, rows, lastPosition, checkpoints: checkpoints.length, ok: !firstBad, ...(firstBad ? { firstBad } : {}) };
}
