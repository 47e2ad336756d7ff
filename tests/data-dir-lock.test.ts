import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../db/data-dir-lock.js';

const dirs: string[] = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('data folder lock', () => {
  it('writes the owner PID and removes the file on release', () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it('respects a live owner', () => {
    const dir = tempDir();
    // PID 1 is always alive; its start time is read from /proc, so the record matches it.
    const stat = fs.readFileSync('/proc/1/stat', 'utf8');
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    fs.writeFileSync(path.join(dir, 'service.lock'), JSON.stringify({ pid: 1, startTicks, hostname: os.hostname(), createdAt: '' }));
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(/in use by another running process \(PID 1\)/);
  });

  it('clears a lock whose owner has exited', () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    fs.writeFileSync(path.join(dir, 'service.lock'), JSON.stringify({ pid: Number(dead.stdout.toString()), startTicks: '1', hostname: os.hostname(), createdAt: '' }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('clears a lock whose PID was reused by an unrelated process (start time differs)', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'service.lock'), JSON.stringify({ pid: 1, startTicks: 'not-the-real-start', hostname: os.hostname(), createdAt: '' }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('clears an old, half-written lock file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'service.lock');
    fs.writeFileSync(file, '{"pid":');
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past);
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
