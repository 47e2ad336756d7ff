import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { summariseError } from '../logger.js';
import type { BackupMember } from './key-files.js';

/**
 * PGlite is one process: while the service holds the embedded database, no other process may
 * read its folder. So the running service makes the snapshot itself, on request, over a Unix
 * socket in `DATA_DIR/control/` (the folder mode 0700 and the socket 0600: only the service's own
 * user, or root, can connect, and that user can read the data folder anyway). Never a TCP port.
 *
 * The exchange: the client sends one line `{"op":"snapshot"}`; the service answers one JSON line
 * (`{"ok":true,"pid":…,"members":[{"name","size","mode"}…]}` or `{"ok":false,"error":"…"}`) and
 * then the members' bytes, one after another.
 */
export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'control', 'backup.sock');
}

export type Snapshot = { members: BackupMember[]; missing: string[] };

export type ControlSocket = { path: string; close(): Promise<void> };

const MAX_REQUEST = 1024;

export async function listenForBackups(dataDir: string, takeSnapshot: () => Promise<Snapshot>, logger: Logger): Promise<ControlSocket | undefined> {
  const socketPath = controlSocketPath(dataDir);
  const folder = path.dirname(socketPath);
  let queue: Promise<unknown> = Promise.resolve();
  const inFlight = new Set<Promise<unknown>>();
  const connections = new Set<net.Socket>();
  let closing = false;
  const server = net.createServer((connection) => {
    let request = '';
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    connection.on('error', () => {});
    // A client that never sends its request does not hold the socket (nor a stop) open.
    connection.setTimeout(30_000, () => {
      if (request.length === 0 || !request.includes('\n')) connection.destroy();
    });
    connection.on('data', (chunk: Buffer) => {
      request += chunk.toString('utf8');
      if (!request.includes('\n') && request.length < MAX_REQUEST) return;
      connection.removeAllListeners('data');
      const op = (() => {
        try {
          return (JSON.parse(request.slice(0, request.indexOf('\n'))) as { op?: unknown }).op;
        } catch {
          return undefined;
        }
      })();
      if (op !== 'snapshot' || closing) {
        connection.end(`${JSON.stringify({ ok: false, error: closing ? 'the service is stopping' : 'unknown request' })}\n`);
        return;
      }
      // One snapshot at a time: each holds the whole database in memory.
      const answered = (queue = queue.then(() => answer(connection)));
      inFlight.add(answered);
      void answered.finally(() => inFlight.delete(answered));
    });
  });

  async function answer(connection: net.Socket) {
    try {
      const snapshot = await takeSnapshot();
      const header = {
        ok: true,
        pid: process.pid,
        missing: snapshot.missing,
        members: snapshot.members.map((member) => ({ name: member.name, size: member.data.length, mode: member.mode })),
      };
      connection.write(`${JSON.stringify(header)}\n`);
      for (const member of snapshot.members) connection.write(member.data);
      await new Promise<void>((resolve) => connection.end(resolve));
      logger.info('backup snapshot sent', { bytes: snapshot.members.reduce((sum, member) => sum + member.data.length, 0), count: snapshot.members.length });
    } catch (error) {
      logger.error('backup snapshot failed', { error: summariseError(error) });
      connection.end(`${JSON.stringify({ ok: false, error: 'the service could not take the snapshot; see its log' })}\n`);
    }
  }

  try {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(folder);
    if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) throw new Error(`${folder} is not a folder of this user`);
    fs.chmodSync(folder, 0o700);
    // This process holds the data folder's lock: a socket left there is a dead service's.
    fs.rmSync(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(socketPath, 0o600);
  } catch (error) {
    logger.warn('backup socket not available: cadap backup needs this service stopped', { error: summariseError(error) });
    server.close();
    return undefined;
  }
  return {
    path: socketPath,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A snapshot being sent is finished; a client still to ask is let go.
      await Promise.allSettled([...inFlight]);
      for (const connection of connections) connection.destroy();
      await closed;
      fs.rmSync(socketPath, { force: true });
    },
  };
}

export class BackupRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRequestError';
  }
}

/** Asks the running service for a snapshot; `undefined` when no service listens on the data folder's socket. */
export async function requestSnapshot(dataDir: string): Promise<(Snapshot & { pid: number }) | undefined> {
  const socketPath = controlSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let connected = false;
    const socket = net.createConnection(socketPath, () => {
      connected = true;
      socket.write(`${JSON.stringify({ op: 'snapshot' })}\n`);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) resolve(undefined);
      else reject(new BackupRequestError(`the service's backup socket ${socketPath} failed: ${error.message}`));
    });
    socket.on('end', () => {
      try {
        resolve(parseAnswer(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseAnswer(answer: Buffer): Snapshot & { pid: number } {
  const newline = answer.indexOf(0x0a);
  if (newline === -1) throw new BackupRequestError('the service closed the backup socket without an answer (did it stop?)');
  const header = JSON.parse(answer.subarray(0, newline).toString('utf8')) as
    { ok: true; pid: number; missing: string[]; members: { name: string; size: number; mode: number }[] } | { ok: false; error: string };
  if (!header.ok) throw new BackupRequestError(`the service refused the snapshot: ${header.error}`);
  let offset = newline + 1;
  const members = header.members.map((member) => {
    const data = new Uint8Array(answer.subarray(offset, offset + member.size));
    offset += member.size;
    return { name: member.name, mode: member.mode, data };
  });
  if (offset !== answer.length) throw new BackupRequestError('the snapshot from the service was cut short (did it stop?)');
  return { members, missing: header.missing, pid: header.pid };
}
