import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config.js';
import { summariseError, type Logger } from '../logger.js';

/**
 * Where token signatures are checked against. `fingerprint` changes whenever the set of keys
 * changes; the authenticator drops its verification cache when it does, so a retired key's
 * tokens stop working as soon as the new set is seen.
 */
export interface KeySet {
  getKey: JWTVerifyGetKey;
  /** Brings the key set up to date if its source may have changed; cheap when it has not. */
  refresh(): Promise<void>;
  fingerprint(): string;
}

function fingerprintOf(jwks: JSONWebKeySet): string {
  const canonical = jwks.keys
    .map((key) =>
      JSON.stringify(
        Object.keys(key)
          .sort()
          .map((name) => [name, (key as Record<string, unknown>)[name]]),
      ),
    )
    .sort()
    .join('\n');
  return createHash('sha256').update(canonical).digest('hex');
}

function parseJwks(text: string, source: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`The key set at ${source} is not valid JSON.`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error(`The key set at ${source} has no "keys" array.`);
  // Only public keys belong in a key set used for verification.
  const publicKeys = (keys as JWK[]).filter((key) => key.d === undefined && key.k === undefined);
  return { keys: publicKeys };
}

/** A key set held in memory (tests, and the file and URL sets once loaded). */
export class StaticKeySet implements KeySet {
  private current: { jwks: JSONWebKeySet; getKey: JWTVerifyGetKey; fingerprint: string };
  constructor(jwks: JSONWebKeySet) {
    this.current = StaticKeySet.build(jwks);
  }
  protected static build(jwks: JSONWebKeySet) {
    return { jwks, getKey: createLocalJWKSet(jwks), fingerprint: fingerprintOf(jwks) };
  }
  /** Replaces the keys (rotation). */
  replace(jwks: JSONWebKeySet): void {
    if (fingerprintOf(jwks) !== this.current.fingerprint) this.current = StaticKeySet.build(jwks);
  }
  getKey: JWTVerifyGetKey = (header, token) => this.resolveKey(header, token);
  protected resolveKey(...args: Parameters<JWTVerifyGetKey>): ReturnType<JWTVerifyGetKey> {
    return this.current.getKey(...args);
  }
  async refresh(): Promise<void> {}
  fingerprint(): string {
    return this.current.fingerprint;
  }
}

/** A JWKS file, re-read when its modification time changes (checked at most once a second). */
export class FileKeySet extends StaticKeySet {
  private mtimeMs: number;
  private checkedAt = 0;
  constructor(private readonly file: string) {
    super(parseJwks(fs.readFileSync(file, 'utf8'), file));
    this.mtimeMs = fs.statSync(file).mtimeMs;
  }
  override async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const stat = await fs.promises.stat(this.file).catch(() => null);
    if (!stat || stat.mtimeMs === this.mtimeMs) return;
    this.mtimeMs = stat.mtimeMs;
    this.replace(parseJwks(await fs.promises.readFile(this.file, 'utf8'), this.file));
  }
}

/**
 * A JWKS served by the identity provider. Fetched at start, again every `refreshSeconds`,
 * and at once (at most every 30 s by default) when a token names a key id we do not know,
 * so a newly published key is accepted on its first use.
 */
export class RemoteKeySet extends StaticKeySet {
  private fetchedAt = 0;
  private inflight: Promise<void> | null = null;
  private constructor(
    private readonly url: string,
    private readonly refreshSeconds: number,
    private readonly unknownKidCooldownMs: number,
    private readonly logger: Logger | undefined,
    jwks: JSONWebKeySet,
  ) {
    super(jwks);
    this.fetchedAt = Date.now();
  }
  static async load(url: string, options: { refreshSeconds: number; unknownKidCooldownMs?: number; logger?: Logger }): Promise<RemoteKeySet> {
    return new RemoteKeySet(url, options.refreshSeconds, options.unknownKidCooldownMs ?? 30_000, options.logger, await RemoteKeySet.fetchJwks(url));
  }
  private static async fetchJwks(url: string): Promise<JSONWebKeySet> {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`Fetching the key set from ${url} failed with HTTP ${response.status}.`);
    return parseJwks(await response.text(), url);
  }
  private refetch(): Promise<void> {
    this.inflight ??= RemoteKeySet.fetchJwks(this.url)
      .then((jwks) => {
        this.fetchedAt = Date.now();
        this.replace(jwks);
      })
      .catch((error: unknown) => {
        this.fetchedAt = Date.now(); // back off; keep the keys we have
        this.logger?.warn('key set refresh failed', { url: this.url, error: summariseError(error) });
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
  override async refresh(): Promise<void> {
    if (Date.now() - this.fetchedAt >= this.refreshSeconds * 1000) await this.refetch();
  }
  protected override async resolveKey(...args: Parameters<JWTVerifyGetKey>): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    try {
      return await super.resolveKey(...args);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' && Date.now() - this.fetchedAt >= this.unknownKidCooldownMs) {
        await this.refetch();
        return super.resolveKey(...args);
      }
      throw error;
    }
  }
}

/** The embedded issuer's key pair, kept in DATA_DIR/auth. */
export const LOCAL_SIGNING_KEY_FILE = 'signing-key.json';
export const LOCAL_JWKS_FILE = 'jwks.json';
export const LOCAL_ALGORITHM = 'ES256';

/** Creates the embedded signing key on first start; later starts reuse it. Returns the public key set. */
export async function ensureLocalSigningKey(dir: string): Promise<JSONWebKeySet> {
  const privateFile = path.join(dir, LOCAL_SIGNING_KEY_FILE);
  const publicFile = path.join(dir, LOCAL_JWKS_FILE);
  if (!fs.existsSync(privateFile) || !fs.existsSync(publicFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // ES256's curve, made with node:crypto's synchronous call: jose's generateKeyPair goes through
    // WebCrypto, whose job took 300-450 ms to come back during a first start (2 ms this way).
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = `local-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
    const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: LOCAL_ALGORITHM, use: 'sig' };
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: LOCAL_ALGORITHM, use: 'sig' };
    // Write to temporary names and rename, so a crash never leaves half a key behind.
    fs.writeFileSync(`${privateFile}.tmp`, JSON.stringify(privateJwk, null, 2), { mode: 0o600 });
    fs.writeFileSync(`${publicFile}.tmp`, JSON.stringify({ keys: [publicJwk] }, null, 2), { mode: 0o644 });
    fs.renameSync(`${privateFile}.tmp`, privateFile);
    fs.renameSync(`${publicFile}.tmp`, publicFile);
  }
  return parseJwks(fs.readFileSync(publicFile, 'utf8'), publicFile);
}

export async function loadKeySet(config: AuthConfig, logger?: Logger): Promise<KeySet> {
  switch (config.jwks.kind) {
    case 'url':
      return RemoteKeySet.load(config.jwks.url, { refreshSeconds: config.jwks.refreshSeconds, ...(logger ? { logger } : {}) });
    case 'file':
      return new FileKeySet(config.jwks.path);
    case 'local':
      await ensureLocalSigningKey(config.jwks.dir);
      return new FileKeySet(path.join(config.jwks.dir, LOCAL_JWKS_FILE));
  }
}
