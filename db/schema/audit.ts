import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

// The hash-chained audit trail: its rows, the head of each chain, signed checkpoints.

/**
 * The audit trail: one row per read or write of personal data and per denial. Append-only
 * (triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained: each row belongs to one of
 * several independent chains, at a position, and carries SHA-256 over its canonical content
 * and the previous row's hash in that chain.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    chain: text('chain').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actorSub: text('actor_sub').notNull(),
    organisationId: uuid('organisation_id'),
    roles: jsonb('roles').$type<string[]>().notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    participantId: uuid('participant_id'),
    dataClasses: jsonb('data_classes')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    purpose: text('purpose'),
    basis: text('basis'),
    requestId: text('request_id'),
    outcome: text('outcome').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('audit_events_chain_position_key').on(t.chain, t.position),
    index('audit_events_participant_idx').on(t.participantId, t.seq),
    index('audit_events_organisation_idx').on(t.organisationId, t.seq),
    index('audit_events_request_idx').on(t.requestId),
  ],
);

/** The head of each audit chain; a transaction appends to a chain while holding its row lock. */
export const auditChains = pgTable('audit_chains', {
  chain: text('chain').primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull(),
  headHash: text('head_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Signed checkpoints: a chain's position and head hash at a time, signed with the service's checkpoint key. */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chain: text('chain').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    headHash: text('head_hash').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    keyId: text('key_id').notNull(),
    signature: text('signature').notNull(),
  },
  (t) => [index('audit_checkpoints_chain_idx').on(t.chain, t.position)],
);
