/**
 * Structured JSON logs, one object per line. Callers pass only the fields they mean to log;
 * there is no way to hand the logger a whole request, token or participant by accident,
 * because only whitelisted scalar fields are written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = {
  requestId?: string;
  method?: string;
  /** The pattern of the route a request matched (`/cases/:id`), never its path. */
  route?: string;
  status?: number;
  durationMs?: number;
  actorSub?: string;
  organisationId?: string;
  code?: string;
  /** Only what `summariseError` makes of an error: never its message, query, parameters or detail. */
  error?: ErrorSummary;
  url?: string;
  /** The address the server listens on (HOST). */
  host?: string;
  docs?: string;
  database?: string;
  pid?: number;
  count?: number;
  materialised?: number;
  sent?: number;
  /** Protocol timeouts whose event the tick sent, or settled without one (src/cases/timeouts.ts). */
  timeoutsSent?: number;
  timeoutsSkipped?: number;
  /** A retention run's counts (src/retention/run.ts), and the part of it that failed. */
  messagesRemoved?: number;
  filesRemoved?: number;
  noticesRemoved?: number;
  peopleErased?: number;
  step?: string;
  /** A protocol rule's name (a deadline or timeout rule): names no person. */
  rule?: string;
  chain?: string;
  /** What a metrics scrape reads (src/metrics/registry.ts: outbox, deadlines, audit, database_pool). */
  collector?: string;
  position?: number;
  hash?: string;
  reasons?: string;
  /** The size of a backup snapshot (src/backup/control-socket.ts). */
  bytes?: number;
  [key: `x${string}`]: never;
};

/**
 * An error as it may be logged. Database errors carry personal data in their message
 * (drizzle's "Failed query: … params: …"), in PostgreSQL's `detail` (`Key (national_id)=(…)`)
 * and often in the message itself (`invalid input syntax …: "<value>"`); other errors can quote
 * their input too (JSON.parse). So the summary keeps only names, SQLSTATE codes, constraint,
 * table and column names, and where in our code it happened; messages only of errors written
 * for the operator (`OperatorError`). The brand makes `String(error)` a type error in a log call.
 */
export type ErrorSummary = string & { readonly __errorSummary: true };

/** An error whose message was written for the operator and carries no personal data (a start-up refusal). */
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}

const SAFE_IDENTIFIER = /^[A-Za-z0-9_.$-]{1,80}$/;

function field(error: object, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = (error as Record<string, unknown>)[name];
    if ((typeof value === 'string' || typeof value === 'number') && SAFE_IDENTIFIER.test(String(value))) return String(value);
  }
  return undefined;
}

/** The first frame of the stack inside this code base (no message line), e.g. `src/participants/service.ts:260`. */
function whereIn(stack: string | undefined): string | undefined {
  for (const line of (stack ?? '').split('\n')) {
    // The message's lines (a query's parameters) are never read, nor library frames.
    if (!/^\s+at /.test(line) || line.includes('node_modules')) continue;
    const match = /((?:src|db|notifications|protocols)\/[\w./-]+\.(?:tsx?|js)):(\d+)/.exec(line);
    if (match) return `${match[1]}:${match[2]}`;
  }
  return undefined;
}

/** The loggable part of an error and its causes (at most five deep): `Name[ code=… constraint=… table=… column=…]`, joined by ` <- `. */
export function summariseError(error: unknown): ErrorSummary {
  const parts: string[] = [];
  let where: string | undefined;
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') {
      parts.push(typeof current);
      break;
    }
    const name = field(current, 'name') ?? 'Error';
    const details = [
      ['code', field(current, 'code')],
      ['constraint', field(current, 'constraint_name', 'constraint')],
      ['table', field(current, 'table_name', 'table')],
      ['column', field(current, 'column_name', 'column')],
      ['status', field(current, 'responseCode', 'status')],
    ]
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${value}`);
    const message = current instanceof OperatorError ? `: ${current.message}` : '';
    parts.push([`${name}${message}`, ...details].join(' '));
    where ??= whereIn((current as { stack?: string }).stack);
    current = (current as { cause?: unknown }).cause;
  }
  return `${parts.join(' <- ')}${where ? ` at ${where}` : ''}` as ErrorSummary;
}

/** The SQLSTATE (or system error code) of an error or its first cause that has one. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const code = field(current, 'code');
    if (code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createLogger(level: LogLevel | 'silent', write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = ORDER[level];
  const log = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}

/** A logger that keeps its lines, for tests that assert what was (and was not) logged. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger('debug', (line) => lines.push(line)),
    { lines },
  );
}
