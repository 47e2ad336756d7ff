import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * PGlite has no lock of its own: two processes opening one data folder would corrupt it.
 * This lock file holds the owner's PID (and, on Linux, the process start time, so a PID
 * reused by an unrelated process after a crash is not mistaken for the owner). A lock
 * whose owner is gone is cleared; a live owner is respected.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`The data folder ${dataDir} is in use by another running process (PID ${ownerPid}). ` + 'Stop that process first, or start this one with a different DATA_DIR.');
    this.name = 'DataDirLockedError';
  }
}

type LockRecord = { pid: number; startTicks: string | null; hostname: string; createdAt: string };

function processStartTicks(pid: number): string | null {
  try {
    // Field 22 of /proc/PID/stat is the start time in clock ticks since boot.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterComm[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(record: LockRecord): boolean {
  if (record.hostname !== os.hostname()) return true; // cannot check another host's processes: respect it
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (record.startTicks === null) return true;
  const ticks = processStartTicks(record.pid);
  return ticks === null || ticks === record.startTicks;
}

function readRecord(file: string): LockRecord | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockRecord>;
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, startTicks: parsed.startTicks ?? null, hostname: parsed.hostname ?? os.hostname(), createdAt: parsed.createdAt ?? '' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return null; // unreadable or half-written: the writer died mid-write
  }
}

export type DataDirLock = { file: string; release(): void };

export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'service.lock');
  const record: LockRecord = { pid: process.pid, startTicks: processStartTicks(process.pid), hostname: os.hostname(), createdAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(record));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          const current = readRecord(file);
          if (current?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readRecord(file);
    if (existing && existing.pid !== process.pid && isAlive(existing)) throw new DataDirLockedError(dataDir, existing.pid);
    if (!existing) {
      // Either being written right now or left half-written by a killed process; give a live writer a moment.
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (!stat) continue;
      if (Date.now() - stat.mtimeMs < 2000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
        continue;
      }
    }
    fs.rmSync(file, { force: true }); // stale: its owner is gone
  }
  throw new Error(`Could not take the lock ${file}; remove it if no service is running.`);
}

/**
 * PGlite writes PostgreSQL's `postmaster.pid`; after a kill it stays behind. We hold the
 * data folder's lock, so no other process can be using it: the file is stale by construction.
 */
export function clearStalePostmasterPid(pgDataDir: string): void {
  fs.rmSync(path.join(pgDataDir, 'postmaster.pid'), { force: true });
}
