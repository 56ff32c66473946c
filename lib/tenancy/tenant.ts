/**
 * Which tenant a request belongs to. With multi-tenancy off every request is tenant `anonymous` (as Pyroscope);
 * with it on, `X-Scope-OrgID` names it and a missing or malformed one is 401.
 */
import { HotpathError } from '../errors.ts';

export const ANONYMOUS = 'anonymous';
const TENANT_RE = /^[A-Za-z0-9!\-_.*'()]{1,150}$/;

export function tenantFromHeader(header: string | string[] | undefined, multitenancy: boolean): string {
  if (!multitenancy) return ANONYMOUS;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new HotpathError('unauthorized', 'no org id: the X-Scope-OrgID header is required');
  if (!TENANT_RE.test(value) || value === '.' || value === '..') {
    throw new HotpathError('unauthorized', `invalid tenant id ${JSON.stringify(value)} in X-Scope-OrgID`);
  }
  return value;
}
