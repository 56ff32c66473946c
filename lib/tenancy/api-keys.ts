/**
 * API key material. A key reads `hp_<id>_<secret>`: the id (public, 16 hex digits) finds the stored record, the
 * secret (32 random bytes, base64url) proves possession. At rest only `sha256(salt ‖ secret)` with a random
 * per-key salt is kept. A fast hash is enough here: the secret is 256 random bits, not a human password, so there
 * is nothing for a slow hash to protect against guessing, and every request can be verified without a cache of
 * plaintext secrets.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['ingest', 'query', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const KEY_RE = /^hp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface KeyRecord {
  id: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  salt: string;
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

/** A key as listed: never its hash or salt. */
export type KeyInfo = Omit<KeyRecord, 'salt' | 'hash'>;

export function keyInfo(r: KeyRecord): KeyInfo {
  const { salt: _s, hash: _h, ...info } = r;
  return info;
}

export function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(salt, 'hex').update(secret, 'utf8').digest('hex');
}

export function parseScopes(raw: unknown): Scope[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list || list.length === 0) throw new Error(`scopes must be a non-empty list of ${SCOPES.join(', ')}`);
  const out = new Set<Scope>();
  for (const s of list) {
    const v = String(s).trim();
    if (!(SCOPES as readonly string[]).includes(v)) throw new Error(`unknown scope ${JSON.stringify(v)} (expected ${SCOPES.join(', ')})`);
    out.add(v as Scope);
  }
  return [...out].sort();
}

/** A new key: the plaintext (shown once) and the record to store. */
export function generateKey(tenant: string, name: string, scopes: Scope[], now = new Date()): { key: string; record: KeyRecord } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('hex');
  return {
    key: `hp_${id}_${secret}`,
    record: { id, tenant, name, scopes, salt, hash: hashSecret(salt, secret), createdAt: now.toISOString() },
  };
}

/** The id and secret of a presented key, or undefined when it is not shaped like one. */
export function parseKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_RE.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Whether `secret` is the one `record` was made for (constant time in the secret). */
export function secretMatches(record: KeyRecord, secret: string): boolean {
  const a = Buffer.from(hashSecret(record.salt, secret), 'hex');
  const b = Buffer.from(record.hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
