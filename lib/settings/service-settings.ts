/**
 * Service settings (api.md "Operate"): retention tier, owner, cost per core-hour and ingest budget per service,
 * persisted in ClickHouse. Every role reads them through a cache refreshed every few seconds, so a change made
 * through any instance's API reaches every gateway without a restart.
 */
import { HotpathError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export const TIERS = ['critical', 'standard', 'batch'] as const;
export type TierName = (typeof TIERS)[number];
export const DEFAULT_TIER: TierName = 'standard';

export interface Budget {
  bytesPerSecond?: number;
  profilesPerSecond?: number;
  /** Over budget, keep 1 in N profiles (answering 200) instead of refusing with 429. */
  sampleOneIn?: number;
}

export interface ServiceSettings {
  service: string;
  tier: TierName;
  owner: string;
  costPerCoreHour?: number;
  budget: Budget;
  updatedAt?: string;
}

interface Row {
  service: string;
  tier: string;
  owner: string;
  cost_per_core_hour: number | null;
  budget_bytes_per_second: number | null;
  budget_profiles_per_second: number | null;
  budget_sample_one_in: number | null;
  updated_at: string;
}

const opt = (v: number | null | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));

function fromRow(r: Row): ServiceSettings {
  return {
    service: r.service,
    tier: (TIERS as readonly string[]).includes(r.tier) ? (r.tier as TierName) : DEFAULT_TIER,
    owner: r.owner,
    costPerCoreHour: opt(r.cost_per_core_hour),
    budget: { bytesPerSecond: opt(r.budget_bytes_per_second), profilesPerSecond: opt(r.budget_profiles_per_second), sampleOneIn: opt(r.budget_sample_one_in) },
    updatedAt: r.updated_at,
  };
}

export function defaultSettings(service: string): ServiceSettings {
  return { service, tier: DEFAULT_TIER, owner: '', budget: {} };
}

/** Checks a PUT body; unknown fields and wrong types are a 400 naming the field. */
export function validateSettingsUpdate(body: unknown): Partial<Omit<ServiceSettings, 'service' | 'updatedAt'>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HotpathError('bad_request', 'body must be a JSON object');
  const b = body as Record<string, unknown>;
  const out: Partial<Omit<ServiceSettings, 'service' | 'updatedAt'>> = {};
  for (const key of Object.keys(b)) {
    if (!['tier', 'owner', 'costPerCoreHour', 'budget'].includes(key)) throw new HotpathError('bad_request', `unknown field ${JSON.stringify(key)} (expected tier, owner, costPerCoreHour, budget)`);
  }
  if (b.tier !== undefined) {
    if (!(TIERS as readonly unknown[]).includes(b.tier)) throw new HotpathError('bad_request', `tier must be one of ${TIERS.join(', ')}, got ${JSON.stringify(b.tier)}`);
    out.tier = b.tier as TierName;
  }
  if (b.owner !== undefined) {
    if (typeof b.owner !== 'string' || b.owner.length > 256) throw new HotpathError('bad_request', 'owner must be a string of at most 256 characters');
    out.owner = b.owner;
  }
  const nonNeg = (name: string, v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new HotpathError('bad_request', `${name} must be a non-negative number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (b.costPerCoreHour !== undefined) out.costPerCoreHour = nonNeg('costPerCoreHour', b.costPerCoreHour);
  if (b.budget !== undefined) {
    if (b.budget === null || typeof b.budget !== 'object' || Array.isArray(b.budget)) throw new HotpathError('bad_request', 'budget must be an object');
    const g = b.budget as Record<string, unknown>;
    for (const key of Object.keys(g)) {
      if (!['bytesPerSecond', 'profilesPerSecond', 'sampleOneIn'].includes(key)) throw new HotpathError('bad_request', `unknown budget field ${JSON.stringify(key)}`);
    }
    const sampleOneIn = nonNeg('budget.sampleOneIn', g.sampleOneIn);
    if (sampleOneIn !== undefined && (!Number.isInteger(sampleOneIn) || sampleOneIn < 1)) throw new HotpathError('bad_request', 'budget.sampleOneIn must be an integer >= 1');
    out.budget = { bytesPerSecond: nonNeg('budget.bytesPerSecond', g.bytesPerSecond), profilesPerSecond: nonNeg('budget.profilesPerSecond', g.profilesPerSecond), sampleOneIn };
  }
  return out;
}

export class SettingsStore {
  private cache = new Map<string, ServiceSettings>();
  private timer?: NodeJS.Timeout;
  private loaded?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly refreshMs = 2000,
  ) {}

  private static key(tenant: string, service: string): string {
    return `${tenant}\u0000${service}`;
  }

  /** Loads all settings now and then every `refreshMs` (changes made by other instances arrive this way). */
  start(): Promise<void> {
    this.loaded ??= this.refresh();
    this.timer ??= setInterval(() => void this.refresh().catch(() => {}), this.refreshMs);
    this.timer.unref();
    return this.loaded;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const rows = await this.store.select<Row & { tenant: string }>(
      `SELECT tenant, service, tier, owner, cost_per_core_hour, budget_bytes_per_second, budget_profiles_per_second, budget_sample_one_in, toString(updated_at) AS updated_at
       FROM service_settings FINAL`,
    );
    const next = new Map<string, ServiceSettings>();
    for (const r of rows) next.set(SettingsStore.key(r.tenant, r.service), fromRow(r));
    this.cache = next;
  }

  /** The cached settings of a service (defaults when none were set). Never waits on ClickHouse. */
  get(tenant: string, service: string): ServiceSettings {
    return this.cache.get(SettingsStore.key(tenant, service)) ?? defaultSettings(service);
  }

  list(tenant: string): ServiceSettings[] {
    const prefix = `${tenant}\u0000`;
    return [...this.cache.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v).sort((a, b) => (a.service < b.service ? -1 : 1));
  }

  /** Merges an update into the current settings, persists it and updates this instance's cache at once. */
  async put(tenant: string, service: string, update: ReturnType<typeof validateSettingsUpdate>): Promise<ServiceSettings> {
    const cur = this.get(tenant, service);
    const next: ServiceSettings = {
      service,
      tier: update.tier ?? cur.tier,
      owner: update.owner ?? cur.owner,
      costPerCoreHour: 'costPerCoreHour' in update ? update.costPerCoreHour : cur.costPerCoreHour,
      budget: update.budget ?? cur.budget,
      updatedAt: new Date().toISOString(),
    };
    await this.store.insertRows('service_settings', [
      {
        tenant,
        service,
        tier: next.tier,
        owner: next.owner,
        cost_per_core_hour: next.costPerCoreHour ?? null,
        budget_bytes_per_second: next.budget.bytesPerSecond ?? null,
        budget_profiles_per_second: next.budget.profilesPerSecond ?? null,
        budget_sample_one_in: next.budget.sampleOneIn ?? null,
        updated_at: Date.now(),
      },
    ]);
    this.cache.set(SettingsStore.key(tenant, service), next);
    return next;
  }
}
