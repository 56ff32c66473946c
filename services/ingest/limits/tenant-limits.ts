/** The limits that apply to one tenant: the configured defaults with that tenant's overrides (`tenantLimits`). */
import type { HotpathConfig, LimitsConfig } from '../../../lib/config/index.ts';

export function limitsFor(config: HotpathConfig, tenant: string): LimitsConfig {
  const o = config.tenantLimits[tenant];
  return o ? { ...config.limits, ...o } : config.limits;
}

/** The configuration as one tenant's request sees it (decoders read their limits from `config.limits`). */
export function tenantConfig(config: HotpathConfig, tenant: string): HotpathConfig {
  const o = config.tenantLimits[tenant];
  return o ? { ...config, limits: { ...config.limits, ...o } } : config;
}
