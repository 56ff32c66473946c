/**
 * The label contract (api.md "Label contract"): per tenant, labels every profile must carry (default
 * `service_name`; missing → 400 `missing_label` naming it) and labels it should carry (default `version`,
 * `zone|region`, `pod`, `build_id`; missing → accepted, counted per service: the label-coverage KPI).
 *
 * An entry `a|b` is satisfied by either label. Names match as selectors match them (lib/labels/names.ts): a
 * contract naming `service_name` is met by a stored `service.name`. An empty value counts as missing, as a
 * Prometheus matcher sees it.
 */
import { HotpathError } from '../../lib/errors.ts';
import { lookupLabel } from '../../lib/labels/names.ts';
import type { Labels } from '../../lib/profile/model.ts';
import { labelCheckedProfiles, missingRecommendedLabel } from '../../lib/telemetry/metrics.ts';

function satisfied(labels: Labels, entry: string): boolean {
  return entry.split('|').some((name) => {
    const v = lookupLabel(labels, name.trim());
    return v !== undefined && v !== '';
  });
}

/** Throws 400 `missing_label` for the first required entry the labels do not satisfy. */
export function checkRequiredLabels(labels: Labels, required: readonly string[]): void {
  for (const entry of required) {
    if (satisfied(labels, entry)) continue;
    const names = entry.split('|').map((n) => JSON.stringify(n.trim()));
    const what = names.length === 1 ? `label ${names[0]}` : `one of the labels ${names.join(', ')}`;
    throw new HotpathError('missing_label', `profile has no ${what}, which this tenant requires (required labels: ${required.join(', ')})`, {
      reason: 'missing_label',
    });
  }
}

/** The recommended entries these labels miss. */
export function missingRecommended(labels: Labels, recommended: readonly string[]): string[] {
  return recommended.filter((entry) => !satisfied(labels, entry));
}

/** Counts one accepted profile of `service` in the coverage metrics. */
export function recordCoverage(tenant: string, service: string, labels: Labels, recommended: readonly string[]): void {
  labelCheckedProfiles.inc({ tenant, service });
  for (const entry of missingRecommended(labels, recommended)) missingRecommendedLabel.inc({ tenant, service, label: entry });
}
