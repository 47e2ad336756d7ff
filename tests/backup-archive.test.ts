import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestFor, readBackupArchive, writeBackupArchive } from '../src/backup/archive.js';
import { packTar, unpackTar } from '../src/backup/tar.js';

/**
 * The backup archive itself: what is written is read back, an ordinary tar.gz that tar lists,
 * and a restore refuses (before writing anything) an archive whose contents do not match its
 * manifest or that holds a file a backup never holds.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-archive-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const members = [
  { name: 'pgdata.tar', data: new Uint8Array(Buffer.alloc(1500, 7)), mode: 0o600 },
  { name: 'audit/checkpoint-key.pem', data: new Uint8Array(Buffer.from('-----BEGIN PRIVATE KEY-----\n')), mode: 0o600 },
  { name: 'auth/jwks.json', data: new Uint8Array(Buffer.from('{"keys":[]}')), mode: 0o644 },
];
const manifest = manifestFor(members, {
  createdAt: '2026-06-01T10:00:00.000Z',
  database: { kind: 'pglite', member: 'pgdata.tar', tables: { 'public.participants': 3 } },
  source: 'the stopped data folder',
  missingKeyFiles: ['auth/national-id.key'],
});

/** The archive's tar entries rewritten by `change`, gzipped again: damage a checksum cannot see at the gzip level. */
function rewritten(file: string, change: (entries: ReturnType<typeof unpackTar>) => ReturnType<typeof unpackTar>): string {
  const entries = change(unpackTar(zlib.gunzipSync(fs.readFileSync(file))));
  const out = path.join(dir, `rewritten-${Math.random().toString(36).slice(2)}.tar.gz`);
  fs.writeFileSync(out, zlib.gzipSync(packTar(entries)));
  return out;
}

describe('the backup archive', () => {
  const file = path.join(dir, 'backup.tar.gz');

  it('reads back what it wrote, file mode 0600, and tar lists it', async () => {
    const size = await writeBackupArchive(file, manifest, members);
    expect(size).toBe(fs.statSync(file).size);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const read = await readBackupArchive(file);
    expect(read.manifest).toEqual(manifest);
    expect(Buffer.from(read.database).equals(Buffer.from(members[0]!.data))).toBe(true);
    expect(read.keyFiles.map((member) => [member.name, member.mode, Buffer.from(member.data).toString()])).toEqual(
      members.slice(1).map((member) => [member.name, member.mode, Buffer.from(member.data).toString()]),
    );
    expect(execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual(['manifest.json', 'pgdata.tar', 'audit/checkpoint-key.pem', 'auth/jwks.json']);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('never replaces a file', async () => {
    const before = fs.readFileSync(file);
    await expect(writeBackupArchive(file, manifest, members)).rejects.toThrow('exists: a backup never replaces a file');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a member that does not match its checksum', async () => {
    const tampered = rewritten(file, (entries) =>
      entries.map((entry) => (entry.name === 'auth/jwks.json' ? { ...entry, data: new Uint8Array(Buffer.from('{"keys":[1]}')) } : entry)),
    );
    await expect(readBackupArchive(tampered)).rejects.toThrow('auth/jwks.json does not match its checksum (damaged)');
  });

  it('refuses a missing member, a member the manifest does not list, and a name a backup never holds', async () => {
    await expect(readBackupArchive(rewritten(file, (entries) => entries.filter((entry) => entry.name !== 'pgdata.tar')))).rejects.toThrow('pgdata.tar is missing');
    const extra = { name: '../outside', data: new Uint8Array(1), mode: 0o600, mtime: new Date() };
    await expect(readBackupArchive(rewritten(file, (entries) => [...entries, extra]))).rejects.toThrow('it holds ../outside, which its manifest does not list');
    const listed = manifestFor([...members, { ...extra }], { ...manifest });
    const sneaky = rewritten(file, (entries) => [{ ...entries[0]!, data: new Uint8Array(Buffer.from(JSON.stringify(listed))) }, ...entries.slice(1), extra]);
    await expect(readBackupArchive(sneaky)).rejects.toThrow('it holds ../outside, which is not a file a backup holds');
  });

  it('refuses a tar.gz that is not a cadap backup, and a file that is not gzip', async () => {
    const other = rewritten(file, (entries) => entries.slice(1));
    await expect(readBackupArchive(other)).rejects.toThrow('it does not start with manifest.json: it is not a cadap backup');
    const plain = path.join(dir, 'plain.txt');
    fs.writeFileSync(plain, 'hello');
    await expect(readBackupArchive(plain)).rejects.toThrow('it is not a whole gzip file');
    await expect(readBackupArchive(path.join(dir, 'absent.tar.gz'))).rejects.toThrow('cannot read it (ENOENT)');
  });
});
