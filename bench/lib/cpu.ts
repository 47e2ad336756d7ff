import fs from 'node:fs';

/**
 * CPU time (user + system, from /proc) spent while a load ran, split into the server under test,
 * PostgreSQL's processes (every process named postgres on the machine: run on a quiet one) and
 * the harness driving the load, each in milliseconds per request. Where the work of a request
 * goes, beside how fast it is: on two cores the service, the database and the harness share the
 * same CPU, so a millisecond saved on either side shows here even when the rate is noisy. Linux
 * only: elsewhere, nothing is measured.
 */
export type CpuPerRequest = { server: number; database: number; harness: number };
type Ticks = { server: number; database: number; harness: number };

const TICK_MS = 10; // USER_HZ is 100 on Linux: /proc counts CPU time in hundredths of a second.

function ticksOf(serverPid: number): Ticks | undefined {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  const ticks: Ticks = { server: 0, database: 0, harness: 0 };
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // After the name: state, ppid, …; utime and stime are the 14th and 15th fields of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = Number(fields[11]) + Number(fields[12]);
    const pid = Number(entry);
    if (pid === serverPid) ticks.server += used;
    else if (pid === process.pid) ticks.harness += used;
    else if (name.startsWith('postgres')) ticks.database += used;
  }
  return ticks;
}

/** Starts counting; the returned function stops and divides by the requests completed meanwhile. */
export function startCpuCount(serverPid: number | undefined): (requests: number) => CpuPerRequest | undefined {
  const before = serverPid === undefined ? undefined : ticksOf(serverPid);
  return (requests) => {
    if (!before || serverPid === undefined || requests === 0) return undefined;
    const after = ticksOf(serverPid);
    if (!after) return undefined;
    const per = (key: keyof Ticks) => ((after[key] - before[key]) * TICK_MS) / requests;
    return { server: per('server'), database: per('database'), harness: per('harness') };
  };
}
