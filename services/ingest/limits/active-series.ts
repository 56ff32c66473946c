/**
 * Active series per tenant: distinct series fingerprints this gateway accepted within a window. A request that
 * would add series beyond the tenant's limit is refused whole (429 `series_limit`); series already active keep
 * flowing, so a client that explodes its label cardinality hurts only its new series, never the existing ones.
 *
 * The count is per gateway process (each gateway enforces the limit on what it sees); memory is bounded by the
 * limit: at most `maxActiveSeries` entries per tenant.
 */
import { HotpathError } from '../../../lib/errors.ts';
import { activeSeries } from '../../../lib/telemetry/metrics.ts';

export class ActiveSeries {
  /** tenant → fingerprint → last seen (ms); Map order = insertion order, refreshed on every touch (oldest first). */
  private readonly tenants = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  private expire(tenant: string, seen: Map<string, number>, windowMs: number, now: number): void {
    for (const [fp, at] of seen) {
      if (now - at < windowMs) break;
      seen.delete(fp);
    }
    activeSeries.set({ tenant }, seen.size);
  }

  /** Throws when adding the new ones among `fingerprints` would exceed `max`; records nothing. */
  check(tenant: string, fingerprints: Iterable<string>, max: number, windowSeconds: number): void {
    const now = this.now();
    const seen = this.tenants.get(tenant) ?? new Map<string, number>();
    this.expire(tenant, seen, windowSeconds * 1000, now);
    const fresh = new Set<string>();
    for (const fp of fingerprints) if (!seen.has(fp)) fresh.add(fp);
    if (fresh.size === 0 || seen.size + fresh.size <= max) return;
    const oldest = seen.values().next().value;
    const wait = oldest === undefined ? 1 : Math.max(1, Math.ceil((oldest + windowSeconds * 1000 - now) / 1000));
    throw new HotpathError(
      'rate_limited',
      `tenant ${JSON.stringify(tenant)} has ${seen.size} active series; ${fresh.size} new would exceed the limit of ${max} (series stay active ${windowSeconds} s after their last profile)`,
      { retryAfter: wait, reason: 'series_limit' },
    );
  }

  /** Marks series as seen now (after the request was accepted). */
  touch(tenant: string, fingerprints: Iterable<string>): void {
    const now = this.now();
    let seen = this.tenants.get(tenant);
    if (!seen) this.tenants.set(tenant, (seen = new Map()));
    for (const fp of fingerprints) {
      seen.delete(fp);
      seen.set(fp, now);
    }
    activeSeries.set({ tenant }, seen.size);
  }

  size(tenant: string): number {
    return this.tenants.get(tenant)?.size ?? 0;
  }
}
