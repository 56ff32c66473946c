/**
 * Label names: which ones Hotpath accepts unquoted, and which stored names a selector name reaches.
 *
 * Dotted names (`service.name`, `otel.scope.name`) are stored as sent (current Pyroscope does the same), but
 * Pyroscope 1.7–1.21 rewrote every `.` to `_` on ingest, so saved queries say `otel_scope_name`, while newer
 * ones may say `service.name` for data sent as `service_name`. compat.md promises that a selector written
 * either way matches. The rule (the same in-app, `lookupLabel`, and in SQL, where the query service chains
 * `if(mapContains(labels, n), labels[n], …)` over the list):
 *
 *   equivalentLabelNames(N) = N, then N with every `.` replaced by `_` (Pyroscope 1.x's spelling), then that
 *   with every `_` between two ASCII letters/digits replaced by `.` (the OTel spelling) — duplicates removed.
 *   A matcher on N reads the value of the first of these names the series has; if it has none, the label is
 *   absent and reads as '' (Prometheus). Reserved names (prefix `__`: `__name__`, `__profile_type__`…) are
 *   Hotpath's own and only ever match exactly.
 *
 *   service_name    → service_name, service.name
 *   service.name    → service.name, service_name
 *   otel_scope_name → otel_scope_name, otel.scope.name
 *   http.response.status_code → itself, http_response_status_code, http.response.status.code
 *   __profile_type__ → __profile_type__ (reserved)
 *
 * The list is finite on purpose (one SQL expression per matcher). Its limit: a name stored with a mix of `.`
 * and `_` (`http.response.status_code`) is reached only by its exact spelling, not by `http_response_status_code`
 * (the reverse works: a stored `http_response_status_code` is reached by `http.response.status_code`).
 */

/** Prometheus' legacy label-name grammar (what Grafana sends unquoted, and what LabelNames lists by default). */
const LEGACY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Legacy name, then `.`-separated segments of word characters: no leading, trailing or doubled dots. */
const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;
/** An underscore with an ASCII letter or digit on both sides. */
const INNER_UNDERSCORE = /(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])/g;

export function isLegacyLabelName(name: string): boolean {
  return LEGACY.test(name);
}

/** Hotpath's unquoted label-name grammar: the legacy one plus dotted names such as `service.name`. */
export function isValidLabelName(name: string): boolean {
  return DOTTED.test(name);
}

/** Pyroscope 1.x's spelling of a name: every `.` becomes `_`. */
export function canonicalLabelName(name: string): string {
  return name.replaceAll('.', '_');
}

/** The names a selector naming `name` reads, in order of preference (see the rule above). */
export function equivalentLabelNames(name: string): string[] {
  if (name.startsWith('__')) return [name];
  const underscored = canonicalLabelName(name);
  const dotted = underscored.replace(INNER_UNDERSCORE, '.');
  return [...new Set([name, underscored, dotted])];
}

/** Whether a selector naming either one reaches the other (for merging group-by names and the like). */
export function labelNamesEquivalent(a: string, b: string): boolean {
  return a === b || equivalentLabelNames(a).includes(b) || equivalentLabelNames(b).includes(a);
}

/** The value a selector naming `name` sees on one series (undefined = absent), per the rule above. */
export function lookupLabel(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const n of equivalentLabelNames(name)) if (Object.hasOwn(labels, n)) return labels[n];
  return undefined;
}
