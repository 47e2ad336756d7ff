import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, gte, gt, isNull, lt } from 'drizzle-orm';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Executor } from '../../db/client.js';
import { webSessions } from '../../db/schema.js';
import type { WebSessionLifetime } from '../config.js';

/**
 * The web session lives on the server (table `web_sessions`) and the browser holds a sealed
 * cookie (JWE, dir + A256GCM) with the session id, the signed-in person's access token and a
 * CSRF token. The browser can neither read nor alter the cookie; the server refuses it unless
 * its session is open: not signed out, not revoked by an admin, used within the idle lifetime
 * and younger than the absolute one (WEB_SESSION_IDLE_MINUTES, WEB_SESSION_MAX_HOURS). A copy
 * of the cookie is therefore worth nothing once the session ends.
 *
 * Why the token stays in the cookie: the row then holds no secret and no personal data (only a
 * SHA-256 digest of the session id, the organisation and times), so neither a database reader
 * nor a backup can act as anyone; the token is bound to the session id inside the same sealed
 * value, so it is usable only while that server-side session is open. The key lives in
 * DATA_DIR/auth (or WEB_SESSION_KEY_FILE), created on first start; instances share it and the
 * table.
 */
export type Session = { id: string; token: string; expiresAt: number; csrf: string };

export type CookiePolicy = { secure: boolean };

export const DEFAULT_SESSION_LIFETIME: WebSessionLifetime = { idleMinutes: 30, maxHours: 12 };

export type SessionEndReason = 'sign-out' | 'revoked' | 'idle' | 'token-refused';

/** `__Host-` is only honoured over https; on plain http (the local demo) the name is unprefixed. */
const sessionCookie = (policy: CookiePolicy) => (policy.secure ? '__Host-cadap-session' : 'cadap-session');
const loginCookie = (policy: CookiePolicy) => (policy.secure ? '__Host-cadap-login' : 'cadap-login');

export function loadSessionKey(file: string): Uint8Array {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${file}.tmp`, randomBytes(32).toString('base64'), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`The web session key in ${file} must be 32 bytes, base64-encoded.`);
  return new Uint8Array(key);
}

async function seal(key: Uint8Array, payload: Record<string, unknown>, expiresAt: number): Promise<string> {
  return new EncryptJWT(payload).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setExpirationTime(expiresAt).encrypt(key);
}

async function unseal(key: Uint8Array, value: string | undefined, now: Date): Promise<Record<string, unknown> | undefined> {
  if (!value || value.length > 16_384) return undefined;
  try {
    const { payload } = await jwtDecrypt(value, key, { currentDate: now, keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    return payload;
  } catch {
    return undefined;
  }
}

function cookieOptions(policy: CookiePolicy, maxAgeSeconds: number) {
  return { path: '/', httpOnly: true, secure: policy.secure, sameSite: 'Lax' as const, maxAge: Math.max(1, Math.floor(maxAgeSeconds)) };
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

/**
 * Opens a server-side session for an access token already verified (its organisation and
 * expiry known), and sets the cookie. The session ends at the sooner of the token's expiry and
 * the absolute lifetime.
 */
export async function startSession(
  c: Context,
  key: Uint8Array,
  policy: CookiePolicy,
  db: Executor,
  opening: { token: string; tokenExpiresAt: Date; organisationId: string; now: Date; lifetime: WebSessionLifetime },
): Promise<void> {
  const { now, lifetime } = opening;
  const id = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Math.min(opening.tokenExpiresAt.getTime(), now.getTime() + lifetime.maxHours * 3_600_000));
  // Rows of sessions over for a week are of no further use.
  await db.delete(webSessions).where(lt(webSessions.expiresAt, new Date(now.getTime() - 7 * 86_400_000)));
  await db.insert(webSessions).values({ idHash: digest(id), organisationId: opening.organisationId, createdAt: now, lastSeenAt: now, expiresAt });
  const exp = Math.floor(expiresAt.getTime() / 1000);
  const value = await seal(key, { sid: id, token: opening.token, csrf: randomBytes(24).toString('base64url') }, exp);
  setCookie(c, sessionCookie(policy), value, cookieOptions(policy, exp - now.getTime() / 1000));
}

/**
 * The session of this request if it is still open on the server; using it counts as activity
 * (the idle lifetime starts again). A session found idle is ended, so it stays ended.
 */
export async function readSession(c: Context, key: Uint8Array, policy: CookiePolicy, db: Executor, now: Date, lifetime: WebSessionLifetime): Promise<Session | undefined> {
  const payload = await unseal(key, getCookie(c, sessionCookie(policy)), now);
  if (!payload || typeof payload.sid !== 'string' || typeof payload.token !== 'string' || typeof payload.csrf !== 'string' || typeof payload.exp !== 'number') return undefined;
  const idHash = digest(payload.sid);
  const idleSince = new Date(now.getTime() - lifetime.idleMinutes * 60_000);
  const [open] = await db
    .update(webSessions)
    .set({ lastSeenAt: now })
    .where(and(eq(webSessions.idHash, idHash), isNull(webSessions.endedAt), gt(webSessions.expiresAt, now), gte(webSessions.lastSeenAt, idleSince)))
    .returning({ expiresAt: webSessions.expiresAt });
  if (!open) {
    await db
      .update(webSessions)
      .set({ endedAt: now, endReason: 'idle' })
      .where(and(eq(webSessions.idHash, idHash), isNull(webSessions.endedAt), lt(webSessions.lastSeenAt, idleSince)));
    return undefined;
  }
  return { id: payload.sid, token: payload.token, csrf: payload.csrf, expiresAt: Math.min(payload.exp * 1000, open.expiresAt.getTime()) };
}

/** Ends the session on the server (when there is one) and clears the cookie. */
export async function endSession(c: Context, policy: CookiePolicy, db: Executor, session: Session | undefined, now: Date, reason: SessionEndReason): Promise<void> {
  if (session) {
    await db
      .update(webSessions)
      .set({ endedAt: now, endReason: reason })
      .where(and(eq(webSessions.idHash, digest(session.id)), isNull(webSessions.endedAt)));
  }
  deleteCookie(c, sessionCookie(policy), { path: '/', secure: policy.secure });
}

/** Ends every open web session of an organisation (an admin's revocation); returns how many. */
export async function revokeOrganisationSessions(db: Executor, organisationId: string, now: Date): Promise<number> {
  const ended = await db
    .update(webSessions)
    .set({ endedAt: now, endReason: 'revoked' })
    .where(and(eq(webSessions.organisationId, organisationId), isNull(webSessions.endedAt), gt(webSessions.expiresAt, now)))
    .returning({ idHash: webSessions.idHash });
  return ended.length;
}

/** The OIDC round trip's state, nonce and PKCE verifier, sealed for ten minutes. */
export type LoginState = { state: string; nonce: string; verifier: string };

export async function saveLoginState(c: Context, key: Uint8Array, policy: CookiePolicy, login: LoginState, now: Date): Promise<void> {
  const exp = Math.floor(now.getTime() / 1000) + 600;
  setCookie(c, loginCookie(policy), await seal(key, login, exp), cookieOptions(policy, 600));
}

export async function takeLoginState(c: Context, key: Uint8Array, policy: CookiePolicy, now: Date): Promise<LoginState | undefined> {
  const payload = await unseal(key, getCookie(c, loginCookie(policy)), now);
  deleteCookie(c, loginCookie(policy), { path: '/', secure: policy.secure });
  if (!payload || typeof payload.state !== 'string' || typeof payload.nonce !== 'string' || typeof payload.verifier !== 'string') return undefined;
  return { state: payload.state, nonce: payload.nonce, verifier: payload.verifier };
}

/** The form's hidden CSRF token must equal the one sealed in this session. */
export function csrfMatches(session: Pick<Session, 'csrf'>, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A cross-site POST is refused before anything else: the browser's Origin (or, failing that,
 * Sec-Fetch-Site) must say the form came from this service.
 */
export function isSameOrigin(c: Context, publicOrigin: string | undefined): boolean {
  const origin = c.req.header('origin');
  const site = c.req.header('sec-fetch-site');
  // A browser sends "Origin: null" under a no-referrer policy; then its Sec-Fetch-Site decides.
  if (origin === 'null') return site === 'same-origin';
  if (origin) {
    const own = new URL(c.req.url).origin;
    return origin === own || (publicOrigin !== undefined && origin === publicOrigin);
  }
  return site === undefined || site === 'same-origin' || site === 'none';
}
