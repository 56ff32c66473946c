/**
 * Turns folded stack counts from a non-pprof /ingest body into the normalized profile every protocol ends in,
 * with Pyroscope's metadata rules for these formats (compat-details §1.6): the type from the app-name suffix,
 * counts × period for CPU/wall, the profile time = `from`, labels `__name__`, `pyroscope_spy`, the user's labels,
 * `service_name` = the app name without its suffix (or `app_name` when the user set `service_name`).
 */
import { HotpathError } from '../../../lib/errors.ts';
import { parseAppName } from '../../../lib/labels/app-name.ts';
import { seriesFingerprint, stackId, TRUNCATED_FRAME } from '../../../lib/profile/index.ts';
import type { NormalizedProfile, Stack } from '../../../lib/profile/model.ts';
import type { IngestContext } from '../ingest-route.ts';
import { ingestSeriesLabels } from '../series-labels.ts';
import { parseSampleRate, profileTypeFromAppName } from './app-name-type.ts';
import { foldedFrames, type StackCounts } from './stack-counts.ts';

/** api.md: a stack deeper than the limit keeps its leaf-most frames under a `[truncated]` root. */
function truncateFrames(frames: string[], maxDepth: number): string[] {
  if (frames.length <= maxDepth) return frames;
  return [TRUNCATED_FRAME, ...frames.slice(frames.length - (maxDepth - 1))];
}

export function profilesFromStackCounts(ctx: IngestContext, counts: StackCounts): NormalizedProfile[] {
  const t = profileTypeFromAppName(ctx.appName, parseSampleRate(ctx.query.sampleRate));
  const { labels: nameLabels } = parseAppName(ctx.query.name ?? '');
  // Pyroscope drops a profile that names a profile_id (a per-request label) without error.
  if (nameLabels.profile_id) return [];
  const labels = ingestSeriesLabels(t.app, nameLabels, ctx.query.spyName);
  if (nameLabels.service_name && !nameLabels.app_name) labels.app_name = t.app;
  labels.__name__ = t.name;
  const type = {
    id: `${t.name}:${t.sampleType}:${t.sampleUnit}:${t.periodType}:${t.periodUnit}`,
    name: t.name,
    sampleType: t.sampleType,
    sampleUnit: t.sampleUnit,
    periodType: t.periodType,
    periodUnit: t.periodUnit,
  };
  const maxSamples = ctx.config.limits.maxSamplesPerProfile;
  if (counts.size > maxSamples) {
    throw new HotpathError('too_many_samples', `profile has ${counts.size} distinct stacks; the limit is ${maxSamples}`, { reason: 'samples_limit' });
  }
  // Truncation can make two stacks equal: merge by id after it.
  const byId = new Map<string, Stack>();
  for (const [key, count] of counts.values) {
    const value = count * t.multiplier;
    if (value === 0) continue;
    if (!Number.isSafeInteger(value)) {
      throw new HotpathError('invalid_profile', `stack ${JSON.stringify(key.slice(0, 80))}: ${count} samples × period ${t.multiplier} ns exceeds 2^53-1`);
    }
    const frames = truncateFrames(foldedFrames(key), ctx.config.limits.maxStackDepth);
    const id = stackId(frames);
    const prev = byId.get(id);
    if (!prev) byId.set(id, { id, frames, value });
    else {
      prev.value += value;
      if (!Number.isSafeInteger(prev.value)) throw new HotpathError('invalid_profile', `stack ${JSON.stringify(key.slice(0, 80))}: summed value exceeds 2^53-1`);
    }
  }
  if (byId.size === 0) return [];
  return [
    {
      tenant: ctx.tenant,
      type,
      labels,
      fingerprint: seriesFingerprint(type.id, labels),
      timeMs: ctx.fromMs,
      durationNanos: Math.max(0, ctx.untilMs - ctx.fromMs) * 1e6,
      stacks: [...byId.values()],
    },
  ];
}
