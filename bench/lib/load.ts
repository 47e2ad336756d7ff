import autocannon from 'autocannon';
import { startCpuCount, type CpuPerRequest } from './cpu.js';

export type LoadRequest = {
  method?: 'GET' | 'POST';
  /** Called for each request: the path (and body) to send next. `context` lives until that request's response. */
  next: (context: Record<string, unknown>) => { path: string; body?: unknown };
  /** Called with each response, e.g. to track the case version a connection holds. */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
};

export type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  statuses: Record<string, number>;
  /** CPU per request of the server (when its pid was given), PostgreSQL and the harness (bench/lib/cpu.ts). */
  cpu?: CpuPerRequest;
};

/**
 * Drives `connections` keep-alive connections at the server for `seconds` (or at a fixed total
 * rate with `rate`), with autocannon, and reports throughput and latency in milliseconds.
 * Errors and non-2xx answers are counted, never hidden. A run in which no request completed
 * in time is measured again over a fixed number of requests. With `serverPid`, the CPU each
 * request cost the server, PostgreSQL and the harness is counted too (`cpu`).
 */
export async function drive(
  url: string,
  token: string | null,
  request: LoadRequest,
  options: { connections: number; seconds: number; rate?: number; serverPid?: number },
): Promise<LoadResult> {
  let stop = startCpuCount(options.serverPid);
  let result = await driveOnce(url, token, request, { ...options, until: { duration: options.seconds } });
  if (result.requests === 0) {
    // Every request was still in flight when the time ran out (a slow scenario on a busy machine, with
    // the quick run's 2 s): measure a fixed number of requests instead, each waited for, so the row
    // shows how slow it is rather than failing. Errors and statuses still count.
    stop = startCpuCount(options.serverPid);
    result = await driveOnce(url, token, request, { ...options, until: { amount: options.connections * 2 } });
  }
  const cpu = stop(result.requests);
  return cpu ? { ...result, cpu } : result;
}

async function driveOnce(
  url: string,
  token: string | null,
  request: LoadRequest,
  options: { connections: number; rate?: number; until: { duration: number } | { amount: number } },
): Promise<LoadResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const statuses: Record<string, number> = {};
  const result = await autocannon({
    url,
    connections: options.connections,
    ...options.until,
    // A request slower than this is an error, counted as one.
    timeout: 60,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        method: request.method ?? 'GET',
        headers,
        setupRequest: (req, context) => {
          const next = request.next(context as Record<string, unknown>);
          return { ...req, path: next.path, ...(next.body === undefined ? {} : { body: JSON.stringify(next.body) }) };
        },
        onResponse: (status, body, context) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          request.onResponse?.(status, body, context as Record<string, unknown>);
        },
      },
    ],
  });
  return summarise(result, statuses);
}

/** The same load with several request kinds mixed, each with its own token (the soak). */
export async function driveMixed(
  url: string,
  mix: Array<{ token: string | null; request: LoadRequest }>,
  options: { connections: number; seconds: number; rate: number },
): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    overallRate: options.rate,
    requests: [
      {
        setupRequest: (req, context) => {
          const ctx = context as Record<string, unknown>;
          // autocannon clears the context before each request, so the mix is drawn at random.
          const turn = Math.floor(Math.random() * mix.length);
          ctx.pick = turn;
          const { token, request } = mix[turn]!;
          const next = request.next(ctx);
          return {
            ...req,
            method: request.method ?? 'GET',
            path: next.path,
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            ...(next.body === undefined ? { body: undefined } : { body: JSON.stringify(next.body) }),
          };
        },
        onResponse: (status, body, context) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          const ctx = context as Record<string, unknown>;
          mix[ctx.pick as number]!.request.onResponse?.(status, body, ctx);
        },
      },
    ],
  });
  return summarise(result, statuses);
}

function summarise(result: autocannon.Result, statuses: Record<string, number>): LoadResult {
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses,
  };
}
