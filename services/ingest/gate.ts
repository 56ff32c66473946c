/**
 * The gateway's guard, between "request received" and "publish": one place that authenticates, applies every
 * limit with a named reason, and keeps the ingest metrics — as fastify hooks on the ingest plugin's scope plus one
 * call, `check`, that each route makes with its decoded uploads before publishing.
 *
 *   onRequest   API key (scope `ingest`) → tenant; the tenant's compressed body limit, from Content-Length,
 *               before a byte of the body is read (fastify's bodyLimit enforces the process-wide one while reading)
 *   preHandler  the tenant's rate, checked (not charged) before decoding, so a tenant over its rate costs no CPU
 *   check       per profile: samples, label count/length/names, required labels; active series; tenant rate and
 *               service budgets (charged), with sampling; returns the uploads to publish
 *   onError     every refusal: hotpath_discarded_{profiles,bytes}_total{reason,tenant}
 *   onResponse  received = accepted + discarded, per tenant
 *
 * Counting unit: a "profile" is one pprof document (an /ingest body, a Push sample), whatever number of sample
 * types it holds — what a client sends and what budgets in profiles/s count.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import { toHotpathError } from '../../lib/http/errors.ts';
import type { EncodedProfile } from '../../lib/bus/encoded-profile.ts';
import type { Labels } from '../../lib/profile/model.ts';
import type { Authenticator } from '../../lib/tenancy/auth.ts';
import { tenantFromHeader } from '../../lib/tenancy/tenant.ts';
import {
  acceptedBytes,
  acceptedProfiles,
  decodeSeconds,
  discardedBytes,
  discardedProfiles,
  discardReason,
  receivedBytes,
  receivedProfiles,
} from '../../lib/telemetry/metrics.ts';
import { checkRequiredLabels, recordCoverage } from './label-contract.ts';
import { ActiveSeries } from './limits/active-series.ts';
import { checkProfile, checkSeriesLabels } from './limits/profile-limits.ts';
import { limitsFor } from './limits/tenant-limits.ts';
import { RateLimiter, type BudgetSource } from './rate-limit.ts';

/** One pprof document of a request, decoded: its compressed size, series labels and normalized profiles. */
export interface Upload {
  bytes: number;
  labels: Labels;
  profiles: EncodedProfile[];
  /** Ingest ids of `profiles`, index for index (routes that dedupe retries). */
  ids?: string[];
}

interface Account {
  tenant: string;
  bytes: number;
  profiles: number;
  decodeStart?: bigint;
  /** Counted in the discard metrics already (by onError, or as accepted by onResponse). */
  discarded: boolean;
  /** Uploads dropped by a budget's sampling (already counted as discarded, reason `sampled`). */
  sampledProfiles: number;
  sampledBytes: number;
}

const UNKNOWN_TENANT = 'unknown';

export class IngestGate {
  private readonly accounts = new WeakMap<FastifyRequest, Account>();
  readonly series: ActiveSeries;
  readonly rates: RateLimiter;

  constructor(
    private readonly config: HotpathConfig,
    budgets: BudgetSource,
    private readonly auth?: Authenticator,
    now: () => number = Date.now,
  ) {
    this.series = new ActiveSeries(now);
    this.rates = new RateLimiter(budgets, now);
  }

  private account(request: FastifyRequest): Account {
    let a = this.accounts.get(request);
    if (!a) this.accounts.set(request, (a = { tenant: UNKNOWN_TENANT, bytes: 0, profiles: 1, discarded: false, sampledProfiles: 0, sampledBytes: 0 }));
    return a;
  }

  install(app: FastifyInstance): void {
    if (this.config.auth && !this.auth) throw new Error('ingest: HOTPATH_AUTH is on but no authenticator was given');
    app.addHook('onRequest', async (request) => {
      const acct = this.account(request);
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared)) acct.bytes = declared;
      await this.auth?.authenticate(request, 'ingest');
      acct.tenant = tenantFromHeader(request.headers['x-scope-orgid'], this.config.multitenancy);
      const max = limitsFor(this.config, acct.tenant).maxBodyBytes;
      if (acct.bytes > max) throw this.bodyTooLarge(acct.bytes, max);
    });
    app.addHook('preHandler', async (request) => {
      const acct = this.account(request);
      if (Buffer.isBuffer(request.body)) acct.bytes = request.body.length;
      const limits = limitsFor(this.config, acct.tenant);
      if (acct.bytes > limits.maxBodyBytes) throw this.bodyTooLarge(acct.bytes, limits.maxBodyBytes);
      this.rates.precheck(acct.tenant, limits, acct.bytes);
      acct.decodeStart = process.hrtime.bigint();
    });
    app.addHook('onError', async (request, _reply, error) => {
      const acct = this.account(request);
      if (acct.discarded) return;
      acct.discarded = true;
      const reason = discardReason(toHotpathError(error).reason);
      discardedProfiles.inc({ reason, tenant: acct.tenant }, acct.profiles);
      discardedBytes.inc({ reason, tenant: acct.tenant }, acct.bytes);
    });
    app.addHook('onResponse', async (request, reply) => {
      const acct = this.account(request);
      receivedProfiles.inc({ tenant: acct.tenant }, acct.profiles + acct.sampledProfiles);
      receivedBytes.inc({ tenant: acct.tenant }, acct.bytes + acct.sampledBytes);
      if (!acct.discarded && reply.statusCode < 300) {
        acceptedProfiles.inc({ tenant: acct.tenant }, acct.profiles);
        acceptedBytes.inc({ tenant: acct.tenant }, acct.bytes);
      } else if (!acct.discarded) {
        // An error answer that did not pass through onError (none is expected): still counted, never lost.
        discardedProfiles.inc({ reason: 'other', tenant: acct.tenant }, acct.profiles);
        discardedBytes.inc({ reason: 'other', tenant: acct.tenant }, acct.bytes);
      }
    });
  }

  private bodyTooLarge(bytes: number, max: number): HotpathError {
    return new HotpathError('too_large', `request body of ${bytes} bytes exceeds the limit of ${max} bytes`, { reason: 'body_too_large' });
  }

  /**
   * Applies every post-decode limit to a request's uploads; throws the first refusal (nothing of the request is
   * published), or returns the uploads to publish — fewer than given when a budget's sampling dropped some.
   */
  check(request: FastifyRequest, uploads: Upload[]): Upload[] {
    const acct = this.account(request);
    if (acct.decodeStart !== undefined) decodeSeconds.observe(Number(process.hrtime.bigint() - acct.decodeStart) / 1e9);
    acct.profiles = uploads.length;
    const tenant = acct.tenant;
    const limits = limitsFor(this.config, tenant);
    const fingerprints = new Set<string>();
    for (const u of uploads) {
      checkSeriesLabels(u.labels, limits);
      checkRequiredLabels(u.labels, limits.requiredLabels);
      for (const p of u.profiles) {
        checkProfile(p, limits);
        fingerprints.add(p.fingerprint);
      }
    }
    this.series.check(tenant, fingerprints, limits.maxActiveSeries, limits.activeSeriesWindowSeconds);
    const keep = this.rates.admit(
      tenant,
      limits,
      acct.bytes,
      uploads.map((u) => ({ service: u.labels.service_name ?? '', bytes: u.bytes })),
    );
    const kept = uploads.filter((_, i) => keep[i]);
    const dropped = uploads.filter((_, i) => !keep[i]);
    if (dropped.length > 0) {
      const bytes = dropped.reduce((s, u) => s + u.bytes, 0);
      discardedProfiles.inc({ reason: 'sampled', tenant }, dropped.length);
      discardedBytes.inc({ reason: 'sampled', tenant }, bytes);
      acct.profiles = kept.length;
      acct.sampledProfiles = dropped.length;
      acct.sampledBytes = Math.min(bytes, acct.bytes);
      acct.bytes -= acct.sampledBytes;
    }
    this.series.touch(tenant, kept.flatMap((u) => u.profiles.map((p) => p.fingerprint)));
    for (const u of kept) recordCoverage(tenant, u.labels.service_name ?? '', u.labels, limits.recommendedLabels);
    return kept;
  }

  /**
   * `check` for routes that hold a flat list of normalized profiles (and their ingest ids, index for index):
   * the uploads are recovered as the profiles sharing an ingest-id base (`<base>.<i>`, retry-dedupe.ts) and a
   * service; the request's bytes are shared equally among them. Returns the kept profiles and their ids.
   */
  admitProfiles(request: FastifyRequest, profiles: EncodedProfile[], ids: string[]): { profiles: EncodedProfile[]; ids: string[] } {
    const groups = new Map<string, { labels: Labels; profiles: EncodedProfile[]; ids: string[] }>();
    profiles.forEach((p, i) => {
      const id = ids[i] ?? '';
      const base = id.slice(0, Math.max(0, id.lastIndexOf('.')));
      const key = `${base}\u0000${p.labels.service_name ?? ''}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels: p.labels, profiles: [], ids: [] }));
      g.profiles.push(p);
      g.ids.push(id);
    });
    const bytes = this.account(request).bytes;
    const share = groups.size === 0 ? 0 : Math.floor(bytes / groups.size);
    const kept = this.check(
      request,
      [...groups.values()].map((g) => ({ bytes: share, labels: g.labels, profiles: g.profiles, ids: g.ids })),
    );
    return { profiles: kept.flatMap((u) => u.profiles), ids: kept.flatMap((u) => u.ids ?? []) };
  }
}
