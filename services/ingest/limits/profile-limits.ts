/**
 * Per-profile limits, each refusal with its own reason (the metric label) and a message naming the offending
 * label or count: samples per profile, label names per series, label name and value length, valid label names.
 *
 * "Samples" are counted after normalization — samples with the same frames summed into one stack — as Pyroscope
 * validates; decoding itself is bounded by the decompressed-size cap. Stack depth is not refused here: the
 * normalizer keeps the leaf-most frames under a `[truncated]` root (lib/profile/normalize.ts, `maxDepth`).
 */
import type { LimitsConfig } from '../../../lib/config/index.ts';
import { HotpathError } from '../../../lib/errors.ts';
import { isValidLabelName } from '../../../lib/labels/names.ts';
import type { Labels } from '../../../lib/profile/model.ts';

/** What the per-profile limits read of a profile (an EncodedProfile has it). */
export interface ProfileHeader {
  type: { id: string };
  labels: Labels;
  timeMs: number;
  stackCount: number;
}

type Limits = Pick<
  LimitsConfig,
  'maxSamplesPerProfile' | 'maxLabelNames' | 'maxLabelNameLength' | 'maxLabelValueLength' | 'rejectOlderThanSeconds' | 'rejectNewerThanSeconds'
>;

/** A name or value as it appears in a message: quoted, and cut so a 1 MB value does not make a 1 MB answer. */
function shown(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

export function checkSeriesLabels(labels: Labels, limits: Limits): void {
  const names = Object.keys(labels);
  if (names.length > limits.maxLabelNames) {
    throw new HotpathError('bad_request', `series has ${names.length} label names, more than the limit of ${limits.maxLabelNames} (service ${shown(labels.service_name ?? '')})`, {
      reason: 'too_many_labels',
    });
  }
  for (const name of names) {
    if (name.length > limits.maxLabelNameLength) {
      throw new HotpathError('bad_request', `label name ${shown(name)} is ${name.length} characters long, more than the limit of ${limits.maxLabelNameLength}`, {
        reason: 'label_name_too_long',
      });
    }
    if (!isValidLabelName(name)) {
      throw new HotpathError('bad_request', `label name ${shown(name)} is invalid: use letters, digits and _ (dots between words allowed), not starting with a digit`, {
        reason: 'invalid_label_name',
      });
    }
    const value = labels[name]!;
    if (value.length > limits.maxLabelValueLength) {
      throw new HotpathError('bad_request', `value of label ${shown(name)} is ${value.length} characters long, more than the limit of ${limits.maxLabelValueLength}`, {
        reason: 'label_value_too_long',
      });
    }
  }
}

/** The ingestion window: data older than it would only be expired by retention, data newer is a broken clock. */
export function checkProfileTime(p: Pick<ProfileHeader, 'timeMs'>, limits: Limits, nowMs: number): void {
  const at = new Date(p.timeMs).toISOString();
  if (limits.rejectOlderThanSeconds > 0 && p.timeMs < nowMs - limits.rejectOlderThanSeconds * 1000) {
    throw new HotpathError('invalid_profile', `profile time ${at} is older than the ingestion window of ${limits.rejectOlderThanSeconds} s`, { reason: 'too_old' });
  }
  if (limits.rejectNewerThanSeconds > 0 && p.timeMs > nowMs + limits.rejectNewerThanSeconds * 1000) {
    throw new HotpathError('invalid_profile', `profile time ${at} is more than ${limits.rejectNewerThanSeconds} s in the future`, { reason: 'too_new' });
  }
}

export function checkProfile(p: ProfileHeader, limits: Limits, nowMs = Date.now()): void {
  checkProfileTime(p, limits, nowMs);
  if (p.stackCount > limits.maxSamplesPerProfile) {
    throw new HotpathError('too_many_samples', `profile ${p.type.id} has ${p.stackCount} distinct stacks, more than the limit of ${limits.maxSamplesPerProfile} samples per profile`, {
      reason: 'too_many_samples',
    });
  }
  checkSeriesLabels(p.labels, limits);
}
