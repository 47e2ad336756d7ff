import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_JWKS_FILE, LOCAL_SIGNING_KEY_FILE } from '../auth/keys.js';
import type { Config } from '../config.js';

/**
 * The files a database backup is worthless without, because the database does not hold them:
 * the audit checkpoint key (checkpoints signed with another key fail verification), the national
 * id key (without it no earlier national id is matched, and the service refuses to start), the
 * web session key (without it every web session ends), and, with the embedded key, its signing
 * key and key set (without them every token ever minted is refused) and the organisation map
 * `cadap token` reads. Each has a name in the archive, its place in a default DATA_DIR, and the
 * setting that moves it elsewhere.
 */
export type KeyFile = { name: string; path: string; setting: string | undefined; mode: number };

export const KEY_FILE_NAMES = ['audit/checkpoint-key.pem', 'auth/national-id.key', 'auth/web-session.key', 'auth/signing-key.json', 'auth/jwks.json', 'auth/organisations.json'];

export function keyFilesOf(config: Config): KeyFile[] {
  const files: KeyFile[] = [
    { name: 'audit/checkpoint-key.pem', path: config.audit.checkpointKeyFile, setting: 'AUDIT_CHECKPOINT_KEY_FILE', mode: 0o600 },
    { name: 'auth/national-id.key', path: config.nationalIdKeyFile, setting: 'NATIONAL_ID_KEY_FILE', mode: 0o600 },
    { name: 'auth/web-session.key', path: config.web.sessionKeyFile, setting: 'WEB_SESSION_KEY_FILE', mode: 0o600 },
  ];
  const { jwks } = config.auth;
  if (jwks.kind === 'local') {
    files.push(
      { name: 'auth/signing-key.json', path: path.join(jwks.dir, LOCAL_SIGNING_KEY_FILE), setting: undefined, mode: 0o600 },
      { name: 'auth/jwks.json', path: path.join(jwks.dir, LOCAL_JWKS_FILE), setting: undefined, mode: 0o644 },
      { name: 'auth/organisations.json', path: path.join(jwks.dir, 'organisations.json'), setting: undefined, mode: 0o644 },
    );
  }
  return files;
}

export type BackupMember = { name: string; data: Uint8Array; mode: number };

/** The key files that exist, as archive members, and the names of those that do not. */
export function readKeyFiles(config: Config): { members: BackupMember[]; missing: string[] } {
  const members: BackupMember[] = [];
  const missing: string[] = [];
  for (const file of keyFilesOf(config)) {
    let data: Buffer;
    try {
      data = fs.readFileSync(file.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(file.name);
      continue;
    }
    members.push({ name: file.name, data: new Uint8Array(data), mode: file.mode });
  }
  return { members, missing };
}

/**
 * Before a restore changes anything: where each key file of the backup goes under this
 * configuration, and a refusal when a different file is already there (the same bytes are fine).
 */
export function keyFileDestinations(config: Config, members: readonly BackupMember[]): { file: KeyFile; member: BackupMember; present: boolean }[] {
  const files = keyFilesOf(config);
  const placed = [];
  for (const member of members) {
    const file = files.find((candidate) => candidate.name === member.name);
    // With an identity provider configured, the embedded key's files have no place: they are not restored.
    if (!file) continue;
    let present = false;
    if (fs.existsSync(file.path)) {
      if (!Buffer.from(member.data).equals(fs.readFileSync(file.path))) {
        throw new KeyFileConflict(
          `${file.path} exists and differs from the backup's ${member.name}: move it away${file.setting ? `, or point ${file.setting} elsewhere,` : ''} and run the restore again.`,
        );
      }
      present = true;
    }
    placed.push({ file, member, present });
  }
  return placed;
}

export class KeyFileConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileConflict';
  }
}

/** Writes one key file as the service would create it: folders 0700, a temporary name, then a rename. */
export function writeKeyFile(destination: string, data: Uint8Array, mode: number): void {
  fs.mkdirSync(path.dirname(destination), { recursive: true, mode: 0o700 });
  const temporary = `${destination}.${process.pid}.restore.tmp`;
  fs.writeFileSync(temporary, data, { mode, flag: 'wx' });
  fs.renameSync(temporary, destination);
}
