import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** BENCH_CPU_PROF=<dir> profiles the service (`node --cpu-prof`); open the .cpuprofile in Chrome's DevTools. */
function profileArgs(script: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir && script === 'src/server.ts' ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

export type Child = { child: ChildProcess; url: string; stderr: () => string; stop: () => Promise<void> };

/** Starts a TypeScript entry point (or an npm script) and waits until `readyPath` answers 200. */
export async function startChild(
  command: { script: string } | { npm: string },
  env: Record<string, string>,
  options: { port: number; readyPath: string; timeoutMs?: number },
): Promise<Child & { readyMs: number }> {
  const started = performance.now();
  const fullEnv = { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(options.port), ...env };
  const child =
    'script' in command
      ? spawn(process.execPath, [...profileArgs(command.script), '--import', 'tsx', path.join(ROOT, command.script)], {
          cwd: ROOT,
          env: fullEnv,
          stdio: ['ignore', 'ignore', 'pipe'],
        })
      : spawn('npm', ['run', '--silent', command.npm], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${JSON.stringify(command)} exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`${JSON.stringify(command)} was not ready in time:\n${stderr}`);
    const ok = await fetch(url + options.readyPath)
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  const stop = async () => {
    if (child.exitCode !== null) return;
    // npm runs the service in a process group of its own: signal the whole group.
    if ('npm' in command) process.kill(-child.pid!, 'SIGTERM');
    else child.kill('SIGTERM');
    const timer = setTimeout(() => ('npm' in command ? process.kill(-child.pid!, 'SIGKILL') : child.kill('SIGKILL')), 30_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, url, stderr: () => stderr, stop, readyMs };
}

/**
 * Resident memory of the node process running `scriptHint` under `rootPid` (itself or a descendant), in bytes:
 * now (`VmRSS`), or its peak since it started (`VmHWM`).
 */
export function residentBytes(rootPid: number, scriptHint: string, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | null {
  const queue = [rootPid];
  let found: number | null = null;
  while (queue.length > 0) {
    const pid = queue.shift()!;
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]!.endsWith('node') && argv.some((arg) => arg.includes(scriptHint))) {
        const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        // tsx's launcher runs the real service as its own child: the deepest match is the service.
        if (match) found = Number(match[1]) * 1024;
      }
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // the process went away
    }
  }
  return found;
}

export type Sink = { port: number; received: () => number; waitFor: (count: number, timeoutMs: number) => Promise<void>; stop: () => void };

/** The SMTP sink in a process of its own, so its parsing does not share the sender's CPU. */
export async function startSmtpSink(): Promise<Sink> {
  const child = fork(path.join(ROOT, 'bench/smtp-sink.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let received = 0;
  const port = await new Promise<number>((resolve) =>
    child.on('message', (message: { port?: number; received?: number }) => {
      if (message.port) resolve(message.port);
      if (message.received !== undefined) received = message.received;
    }),
  );
  return {
    port,
    received: () => received,
    async waitFor(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (received < count) {
        if (Date.now() > deadline) throw new Error(`the SMTP sink received ${received} of ${count} messages`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => child.kill(),
  };
}
