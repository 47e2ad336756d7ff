/**
 * The inventory of personal data: every text and JSON column of every table in db/schema/, and
 * what retention does with it. A reviewer checks the decisions here; erasure (erasure.ts) empties
 * the `empty` and `null` columns from this list, and tests/retention-inventory.test.ts fails when a
 * table gains a text or JSON column that is not listed, so a new column cannot hold personal data
 * without a retention decision.
 *
 * - `empty`: erased when the person is: '' for a text, '{}' for a JSON document (a text that is
 *   null stays null).
 * - `null`: erased when the person is, to null.
 * - `free-text`: a JSON document whose codes stay and whose words go (free-text.ts).
 * - `expires`: the whole row is deleted by age (sent e-mails, read notices).
 * - `keep`: no personal data of the person: codes, times, ids, the reference code, staff
 *   identifiers (who did what, as the audit trail keeps them), organisations' own data.
 *
 * The uuid, number, boolean and timestamp columns hold ids, counts, flags and dates: the case
 * shells' (kept, so the indicators and the audit trail still hold), never a name or a text.
 */
export type RetentionDecision = { action: 'empty' | 'null' | 'free-text' | 'expires' | 'keep'; why: string };

const empty = (why: string): RetentionDecision => ({ action: 'empty', why });
const toNull = (why: string): RetentionDecision => ({ action: 'null', why });
const freeText = (why: string): RetentionDecision => ({ action: 'free-text', why });
const expires = (why: string): RetentionDecision => ({ action: 'expires', why });
const keep = (why: string): RetentionDecision => ({ action: 'keep', why });

const STAFF = keep('a staff member’s subject: who did it (accountability, as in the audit trail), not the person');
const CODE = keep('a code from a fixed list, or an identifier');
const SHELL = keep('the case shell (protocol, states, parts, rules): what the indicators count');
const NOT_A_PERSON = keep('about the service or an organisation, never a person');
const TRAIL = keep('the audit trail: append-only and hash-chained; persons only by id, never by name');

export const PERSONAL_DATA_INVENTORY: Readonly<Record<string, Readonly<Record<string, RetentionDecision>>>> = {
  participants: {
    reference_code: keep('the pseudonym messages, notices and the audit trail use instead of a name; kept, with nothing behind it once erased'),
    region: keep('the region code: oversight and the indicators go by region'),
    national_id_digest: toNull('would still match the national id (the possible-duplicate notice)'),
    identity: empty('names, patronymic, date of birth, sex, national id'),
    contact: empty('phone, address, release address'),
    custody: empty('facility, unit, release dates'),
    legal: empty('court case number, order terms, sentence'),
    compliance: empty('compliance summary'),
    health: empty('diagnosis, treatment, prescriptions, overdose risk'),
    social: empty('housing, work, education, family, benefits'),
    name_keys: keep('generated from identity (the name search’s word prefixes): empty once identity is erased'),
    sort_name: keep('generated from identity (the name lists sort by): empty once identity is erased'),
  },
  participant_name_scopes: {
    sort_name: keep('participants.sort_name, copied per organisation for its name search (migration 0015’s triggers): empty once identity is erased'),
  },
  organisation_staff: { sub: STAFF, name: keep('a staff member’s name from their token: who works for the organisation, not a person the protocols are about'), roles: CODE },
  case_assignees: { assignee_sub: STAFF, assigned_by_sub: STAFF },
  participant_notes: { author_sub: STAFF, text: empty('the note about the person') },
  consents: {
    data_classes: CODE,
    purpose: CODE,
    signed_method: CODE,
    text_version: keep('the version label of the consent text signed'),
    witness: empty('the witness’s name'),
    recorded_by_sub: STAFF,
    revoked_by_sub: STAFF,
    confirmed_by_sub: STAFF,
    voided_by_sub: STAFF,
    revocation_reason: empty('a reason in words may describe the person'),
    void_reason: empty('a reason in words may describe the person (a voided consent keeps an empty one)'),
  },
  cases: { protocol: SHELL, state: SHELL, previous_state: SHELL, data: freeText('opening data and what events assigned: dates, choices and ids stay; notes, addresses, phone go') },
  case_parties: { part: SHELL },
  case_events: {
    type: SHELL,
    part: SHELL,
    from_state: SHELL,
    to_state: SHELL,
    actor_sub: STAFF,
    data: freeText('each event’s data (a handover’s contact phone, notes, reasons in words go; dates and outcomes stay)'),
  },
  break_glass_grants: { actor_sub: STAFF, reason: empty('the coordinator’s reason may describe the person') },
  deadlines: { rule: SHELL, kind: SHELL, status: SHELL, dedupe_key: SHELL },
  holidays: { country: NOT_A_PERSON, name: NOT_A_PERSON },
  outbox: {
    dedupe_key: CODE,
    rule: CODE,
    locale: CODE,
    message_id: CODE,
    status: CODE,
    to_addresses: expires('the organisation’s own addresses; the row goes RETENTION_OUTBOX_DAYS after it was sent (never while pending or dead)'),
    subject: expires('names the person by reference code only (notifications/templates.ts); goes with the row and its .eml file'),
    text: expires('as subject'),
    last_error: expires('the mail server’s reply'),
  },
  notifications: {
    dedupe_key: CODE,
    rule: CODE,
    kind: CODE,
    participant_reference: keep('the reference code'),
    subject: expires('names the person by reference code only; a read notice goes RETENTION_INBOX_DAYS after it was read'),
    text: expires('as subject'),
    link: keep('a link to the case page'),
    read_by_sub: STAFF,
  },
  audit_events: {
    chain: TRAIL,
    actor_sub: TRAIL,
    roles: TRAIL,
    action: TRAIL,
    subject_type: TRAIL,
    subject_id: TRAIL,
    data_classes: TRAIL,
    purpose: keep('the audit trail; the purpose of an access (an indicator period, a break-glass reason: the coordinator’s words, which must not describe the person)'),
    basis: TRAIL,
    request_id: TRAIL,
    outcome: TRAIL,
    prev_hash: TRAIL,
    hash: TRAIL,
  },
  audit_chains: { chain: TRAIL, head_hash: TRAIL },
  audit_checkpoints: { chain: TRAIL, head_hash: TRAIL, key_id: TRAIL, signature: TRAIL },
  organisations: {
    kind: NOT_A_PERSON,
    name: NOT_A_PERSON,
    country: NOT_A_PERSON,
    region: NOT_A_PERSON,
    time_zone: NOT_A_PERSON,
    locale: NOT_A_PERSON,
    notification_emails: keep('the organisation’s shared addresses for notices'),
  },
  prison_units: { kind: NOT_A_PERSON, name: NOT_A_PERSON },
  service_secrets: { name: NOT_A_PERSON, value: NOT_A_PERSON },
  rate_limit_windows: { bucket: keep('a digest of a route group and a token subject or address, gone with its window') },
  web_sessions: { id_hash: NOT_A_PERSON, end_reason: NOT_A_PERSON },
};

/** The columns of a table erasure empties (`empty`) or nulls (`null`), by column name. */
export function erasedColumns(table: string): { column: string; action: 'empty' | 'null' }[] {
  return Object.entries(PERSONAL_DATA_INVENTORY[table] ?? {}).flatMap(([column, decision]) =>
    decision.action === 'empty' || decision.action === 'null' ? [{ column, action: decision.action }] : [],
  );
}
