/**
 * Ingest rates: a token-bucket pair (bytes/s, profiles/s) per tenant from the limits (config, per-tenant
 * overrides) and one per (tenant, service) from the service's budget in service settings — read from the settings
 * cache on every request, so a budget changed through the API applies within the cache's refresh interval.
 *
 * Over the tenant rate → 429 `rate_limited`. Over a service budget → 429 `budget_exceeded`, or, when the budget
 * says `sampleOneIn: N`, every N-th upload of that service is kept and the others are dropped with a 200 (the
 * client has nothing to fix and must not retry; the drop is counted with reason `sampled`).
 */
import { HotpathError } from '../../lib/errors.ts';
import type { LimitsConfig } from '../../lib/config/index.ts';
import type { Budget } from '../../lib/settings/service-settings.ts';
import { RatePair } from './limits/token-bucket.ts';

export interface BudgetSource {
  get(tenant: string, service: string): { budget: Budget };
}

/** One upload's cost for a service (a pprof document: an /ingest body, a Push sample). */
export interface ServiceCost {
  service: string;
  bytes: number;
}

type Limits = Pick<LimitsConfig, 'ingestBytesPerSecond' | 'ingestProfilesPerSecond' | 'ingestBurstSeconds'>;

function retryAfter(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}

export class RateLimiter {
  private readonly tenants = new Map<string, RatePair>();
  private readonly services = new Map<string, RatePair>();
  private readonly sampled = new Map<string, number>();

  constructor(
    private readonly budgets: BudgetSource,
    private readonly now: () => number = Date.now,
  ) {}

  private tenantPair(tenant: string, limits: Limits, now: number): RatePair {
    const rates = { bytesPerSecond: limits.ingestBytesPerSecond, profilesPerSecond: limits.ingestProfilesPerSecond, burstSeconds: limits.ingestBurstSeconds };
    let pair = this.tenants.get(tenant);
    if (!pair) this.tenants.set(tenant, (pair = new RatePair(now, rates)));
    else pair.configure(rates, now);
    return pair;
  }

  private servicePair(tenant: string, service: string, burstSeconds: number, now: number): { pair: RatePair; budget: Budget; key: string } {
    const budget = this.budgets.get(tenant, service).budget;
    const key = `${tenant}\u0000${service}`;
    const rates = { bytesPerSecond: budget.bytesPerSecond, profilesPerSecond: budget.profilesPerSecond, burstSeconds };
    let pair = this.services.get(key);
    if (!pair) this.services.set(key, (pair = new RatePair(now, rates)));
    else pair.configure(rates, now);
    return { pair, budget, key };
  }

  /** Before decoding: refuses a request the tenant's buckets cannot take now (charging nothing yet). */
  precheck(tenant: string, limits: Limits, bytes: number): void {
    const now = this.now();
    const wait = this.tenantPair(tenant, limits, now).admit(bytes, 1, now, false);
    if (wait > 0) throw this.overTenant(tenant, wait);
  }

  /**
   * Admits a decoded request: `bytes` (whole body) against the tenant, each upload against its service's budget.
   * Returns, per upload, whether to keep it (false: dropped by sampling). Throws 429 and charges nothing when the
   * request is refused; otherwise charges the tenant for everything and each service for what its budget admitted.
   */
  admit(tenant: string, limits: Limits, bytes: number, uploads: ServiceCost[]): boolean[] {
    const now = this.now();
    const tenantPair = this.tenantPair(tenant, limits, now);
    const tenantWait = tenantPair.admit(bytes, uploads.length, now, false);
    if (tenantWait > 0) throw this.overTenant(tenant, tenantWait);

    const byService = new Map<string, { bytes: number; count: number; uploads: number[] }>();
    uploads.forEach((u, i) => {
      const g = byService.get(u.service) ?? { bytes: 0, count: 0, uploads: [] };
      g.bytes += u.bytes;
      g.count++;
      g.uploads.push(i);
      byService.set(u.service, g);
    });
    const keep = uploads.map(() => true);
    const charges: Array<() => void> = [];
    for (const [service, g] of byService) {
      const { pair, budget, key } = this.servicePair(tenant, service, limits.ingestBurstSeconds, now);
      if (pair.unlimited) continue;
      const wait = pair.admit(g.bytes, g.count, now, false);
      if (wait === 0) {
        charges.push(() => pair.admit(g.bytes, g.count, now, true));
        continue;
      }
      const n = budget.sampleOneIn ?? 0;
      if (n < 1) {
        const what = [budget.bytesPerSecond ? `${budget.bytesPerSecond} bytes/s` : '', budget.profilesPerSecond ? `${budget.profilesPerSecond} profiles/s` : ''].filter(Boolean).join(', ');
        throw new HotpathError('budget_exceeded', `service ${JSON.stringify(service)} of tenant ${JSON.stringify(tenant)} is over its ingest budget (${what}); retry after ${retryAfter(wait)} s`, {
          retryAfter: retryAfter(wait),
          reason: 'budget_exceeded',
        });
      }
      // Over budget with sampling: keep the 1st, (N+1)-th, ... upload of the service since it went over.
      for (const i of g.uploads) {
        const seen = this.sampled.get(key) ?? 0;
        this.sampled.set(key, seen + 1);
        keep[i] = seen % n === 0;
      }
    }
    tenantPair.admit(bytes, uploads.length, now, true);
    for (const charge of charges) charge();
    return keep;
  }

  private overTenant(tenant: string, wait: number): HotpathError {
    return new HotpathError('rate_limited', `tenant ${JSON.stringify(tenant)} is over its ingest rate limit; retry after ${retryAfter(wait)} s`, {
      retryAfter: retryAfter(wait),
      reason: 'rate_limited',
    });
  }
}
