/**
 * API keys in ClickHouse (`api_keys`, migration 004), read through a cache refreshed every few seconds like
 * service settings: a key created or revoked through any instance reaches every gateway within `refreshMs`, and
 * a request never waits on ClickHouse — except that an id the cache does not know triggers one refresh (at most
 * one per `refreshMs`, shared by concurrent requests), so a key made a moment ago elsewhere works at once while a
 * flood of made-up ids cannot turn into a flood of queries.
 */
import type { Store } from '../store/store.ts';
import { generateKey, keyInfo, type KeyInfo, type KeyRecord, type Scope } from './api-keys.ts';

interface Row {
  id: string;
  tenant: string;
  name: string;
  scopes: string[];
  salt: string;
  hash: string;
  created_ms: string | number;
  revoked_ms: string | number | null;
}

const iso = (ms: string | number) => new Date(Number(ms)).toISOString();

function fromRow(r: Row): KeyRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    name: r.name,
    scopes: r.scopes as Scope[],
    salt: r.salt,
    hash: r.hash,
    createdAt: iso(r.created_ms),
    ...(r.revoked_ms === null ? {} : { revokedAt: iso(r.revoked_ms) }),
  };
}

export class KeyStore {
  private cache = new Map<string, KeyRecord>();
  private timer?: NodeJS.Timeout;
  private lastRefresh = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly refreshMs = 2000,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh().catch(() => {}), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    this.lastRefresh = Date.now();
    const rows = await this.store.select<Row>(
      `SELECT id, tenant, name, scopes, salt, hash, toUnixTimestamp64Milli(created_at) AS created_ms, toUnixTimestamp64Milli(revoked_at) AS revoked_ms
       FROM api_keys FINAL`,
    );
    this.cache = new Map(rows.map((r) => [r.id, fromRow(r)]));
  }

  /** The record of key `id` (revoked ones included), or undefined when no instance has made it. */
  async find(id: string): Promise<KeyRecord | undefined> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    if (Date.now() - this.lastRefresh >= this.refreshMs) await this.refresh();
    else if (this.refreshing) await this.refreshing;
    return this.cache.get(id);
  }

  private async write(r: KeyRecord): Promise<void> {
    const now = Date.now();
    await this.store.insertRows('api_keys', [
      {
        id: r.id,
        tenant: r.tenant,
        name: r.name,
        scopes: r.scopes,
        salt: r.salt,
        hash: r.hash,
        created_at: Date.parse(r.createdAt),
        revoked_at: r.revokedAt ? Date.parse(r.revokedAt) : null,
        updated_at: now,
      },
    ]);
    this.cache.set(r.id, r);
  }

  /** Makes a key; the plaintext is in the answer and nowhere else. */
  async create(tenant: string, name: string, scopes: Scope[]): Promise<{ key: string; info: KeyInfo }> {
    const { key, record } = generateKey(tenant, name, scopes);
    await this.write(record);
    return { key, info: keyInfo(record) };
  }

  /** Keys of one tenant (or of all when `tenant` is undefined), oldest first. */
  async list(tenant?: string): Promise<KeyInfo[]> {
    await this.refresh();
    return [...this.cache.values()]
      .filter((r) => tenant === undefined || r.tenant === tenant)
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1))
      .map(keyInfo);
  }

  /** Revokes key `id` (of `tenant` when given: a tenant's admin cannot touch another tenant's keys). */
  async revoke(id: string, tenant?: string): Promise<KeyInfo | undefined> {
    const r = await this.find(id);
    if (!r || (tenant !== undefined && r.tenant !== tenant)) return undefined;
    if (r.revokedAt) return keyInfo(r);
    const revoked = { ...r, revokedAt: new Date().toISOString() };
    await this.write(revoked);
    return keyInfo(revoked);
  }
}
