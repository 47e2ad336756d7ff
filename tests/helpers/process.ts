import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { appendLines, captureFile } from './log-capture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export type ServiceProcess = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the URL once the service logs that it listens; rejects if it exits first. */
  ready: Promise<string>;
  exited: Promise<number | null>;
};

/** The environment a spawned service sees: only what the test names, plus PATH. */
export function serviceEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...extra };
}

export function runTs(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The service through tsx (as `npm run dev`), or as `npm start` runs it (scripts/start.mjs: esbuild's output on plain Node). */
export function startServiceProcess(env: NodeJS.ProcessEnv, how: 'tsx' | 'npm-start' = 'tsx'): ServiceProcess {
  const child =
    how === 'tsx' ? runTs('src/server.ts', [], env) : spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  // 'close', not 'exit': the process may exit before its pipes are read to the end, and a test reads them after.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) resolve(entry.url);
        } catch {
          // a partial line; wait for the rest
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`service exited with ${code} before listening:\n${err}`)));
  });
  ready.catch(() => {});
  // The service's own output joins the run's log check.
  void exited.then(() => appendLines(captureFile('log'), [...out.split('\n'), ...err.split('\n')]));
  return { child, stdout: () => out, stderr: () => err, ready, exited };
}

/**
 * The output once it contains `needle` (or as it is after `ms`): stdout and stderr are separate
 * pipes, so what a process wrote to one before a line on the other may be read after it, the more
 * so on a busy machine.
 */
export async function outputContaining(read: () => string, needle: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!read().includes(needle) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return read();
}

export async function runToCompletion(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = runTs(script, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}
