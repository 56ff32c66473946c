/**
 * Turns query-string parameters into the query module's inputs: time range, selection, tenant. Shared by the
 * native API and the compatible APIs so each parameter means the same everywhere.
 */
import type { FastifyRequest } from 'fastify';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import { parseQuery } from '../../lib/query/selector.ts';
import { parseRange } from '../../lib/time/parse-time.ts';
import { tenantFromHeader } from '../../lib/tenancy/tenant.ts';
import type { Selection } from './selection.ts';

export function requestTenant(request: FastifyRequest, config: HotpathConfig): string {
  return tenantFromHeader(request.headers['x-scope-orgid'], config.multitenancy);
}

export function requireQuery(value: string | undefined, param = 'query'): string {
  if (value === undefined || value.trim() === '') {
    throw new HotpathError('invalid_selector', `${param} is required: <profileTypeId>{<selector>}, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="checkout"}`);
  }
  return value;
}

export function selectionFrom(tenant: string, query: string, from: string | undefined, until: string | undefined, nowMs = Date.now()): Selection {
  const { profileTypeId, matchers } = parseQuery(query);
  const { fromMs, untilMs } = parseRange(from, until, nowMs);
  return { tenant, profileTypeId, matchers, fromMs, untilMs };
}
