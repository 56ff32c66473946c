/**
 * Series labels of a push.v1 Push (compat-details §2.6, §6.4, §7.1), as Pyroscope's distributor forms them:
 * label names as sent (dotted names kept), `service_name` defaulted to `unknown_service`, `__name__` required,
 * the default `godeltaprof_*` relabel rule, and the `__` labels storage consumes (`__delta__`, `__otel__`,
 * `__order__`, and `__session_id__` with sessions off) removed.
 */
import { HotpathError } from '../../lib/errors.ts';
import type { Labels } from '../../lib/profile/model.ts';

export interface LabelPair {
  name: string;
  value: string;
}

const CONSUMED = new Set(['__delta__', '__otel__', '__order__', '__session_id__']);

/** `{a="1", b="2"}` as Pyroscope renders label sets in messages (Go-quoted values, `, ` separated). */
export function renderLabels(pairs: LabelPair[]): string {
  return `{${pairs.map((p) => `${p.name}=${JSON.stringify(p.value)}`).join(', ')}}`;
}

export function pushSeriesLabels(pairs: LabelPair[]): Labels {
  const labels: Labels = {};
  for (const { name, value } of pairs) {
    if (name === '') throw new HotpathError('bad_request', `invalid labels '${renderLabels(pairs)}' with error: empty label name`);
    if (Object.hasOwn(labels, name)) {
      throw new HotpathError('bad_request', `profile with labels '${renderLabels(pairs)}' has duplicate label name: '${name}'`);
    }
    labels[name] = value;
  }
  if (!labels.__name__) throw new HotpathError('bad_request', `invalid labels '${renderLabels(pairs)}' with error: invalid metric name`);
  const delta = /^godeltaprof_(.*)$/.exec(labels.__name__);
  if (delta && delta[1] !== '') {
    labels.__name_replaced__ = labels.__name__;
    labels.__name__ = delta[1];
  }
  if (!labels.service_name) labels.service_name = 'unknown_service';
  for (const k of CONSUMED) delete labels[k];
  return labels;
}
