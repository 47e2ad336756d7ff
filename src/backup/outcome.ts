import type { Snapshot } from './control-socket.js';

/**
 * A backup or restore refused with a message for the operator: exit code 2 when nothing was
 * written (bad input, a folder or database that is not empty, a damaged archive), 75 when a
 * running service holds the data folder, 1 when a step failed after the work began.
 */
export class BackupRefused extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'BackupRefused';
  }
}

/** A snapshot ready to be written: its members, the key files that were missing, every table's rows, and where it came from. */
export type TakenBackup = Snapshot & { tables: Record<string, number>; source: string };

export type RestoreReport = {
  tables: Record<string, number>;
  /** Where each key file went; `present`: the same file was already there. */
  keyFiles: { name: string; path: string; present: boolean }[];
  /** Key files of the backup this configuration has no place for (the embedded key's, under an identity provider). */
  skipped: string[];
};
