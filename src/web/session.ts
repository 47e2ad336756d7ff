import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { EncryptJWT, jwtDecrypt } from 'jose';

/**
 * The web session is a sealed cookie (JWE, dir + A256GCM): the signed-in person's access
 * token, its expiry and a CSRF token. Nothing is stored server-side, so no table is needed;
 * the browser can neither read nor alter it. The key lives in DATA_DIR/auth (or
 * WEB_SESSION_KEY_FILE), created on first start like the local signing key.
 */
export type Session = { token: string; expiresAt: number; csrf: string };

export type CookiePolicy = { secure: boolean };

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

export async function startSession(c: Context, key: Uint8Array, policy: CookiePolicy, token: string, expiresAt: Date, now: Date): Promise<void> {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  const value = await seal(key, { token, csrf: randomBytes(24).toString('base64url') }, exp);
  setCookie(c, sessionCookie(policy), value, cookieOptions(policy, exp - now.getTime() / 1000));
}

export async function readSession(c: Context, key: Uint8Array, policy: CookiePolicy, now: Date): Promise<Session | undefined> {
  const payload = await unseal(key, getCookie(c, sessionCookie(policy)), now);
  if (!payload || typeof payload.token !== 'string' || typeof payload.csrf !== 'string' || typeof payload.exp !== 'number') return undefined;
  return { token: payload.token, csrf: payload.csrf, expiresAt: payload.exp * 1000 };
}

export function endSession(c: Context, policy: CookiePolicy): void {
  deleteCookie(c, sessionCookie(policy), { path: '/', secure: policy.secure });
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
export function csrfMatches(session: Session, submitted: unknown): boolean {
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
