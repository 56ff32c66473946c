/**
 * Series labels of a profile sent to /ingest, as Pyroscope forms them (compat-details §1.6): the labels of the
 * `name` parameter without reserved `__` names, `service_name` = the app name unless given, and `pyroscope_spy`.
 */
import type { Labels } from '../../lib/profile/model.ts';

export function ingestSeriesLabels(appName: string, nameLabels: Record<string, string>, spyName: string | undefined): Labels {
  const labels: Labels = {};
  for (const [k, v] of Object.entries(nameLabels)) {
    if (k.startsWith('__') && k !== '__session_id__') continue;
    labels[k] = v;
  }
  if (!labels.service_name) labels.service_name = appName;
  labels.pyroscope_spy = spyName || 'unknown';
  return labels;
}
