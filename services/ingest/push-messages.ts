/**
 * push.v1 PushRequest as the Push route uses it, decoded with the schemas' protobufjs types (binary or protobuf
 * JSON) and given defaults: proto3 leaves empty strings and bytes out of the decoded object.
 */
import { decodeMessage, fromJson, PushRequest } from '../../schemas/index.ts';
import type { LabelPair } from './push-labels.ts';

export interface PushSample {
  rawProfile: Uint8Array;
  ID: string;
}

export interface PushSeries {
  labels: LabelPair[];
  samples: PushSample[];
}

export interface PushMessage {
  series: PushSeries[];
}

interface Plain {
  series?: { labels?: { name?: string; value?: string }[]; samples?: { rawProfile?: Uint8Array; ID?: string }[] }[];
}

function withDefaults(p: Plain): PushMessage {
  return {
    series: (p.series ?? []).map((s) => ({
      labels: (s.labels ?? []).map((l) => ({ name: l.name ?? '', value: l.value ?? '' })),
      samples: (s.samples ?? []).map((x) => ({ rawProfile: x.rawProfile ?? new Uint8Array(0), ID: x.ID ?? '' })),
    })),
  };
}

export function decodePushProto(bytes: Uint8Array): PushMessage {
  return withDefaults(decodeMessage<Plain>(PushRequest, bytes));
}

export function decodePushJson(json: unknown): PushMessage {
  return withDefaults(fromJson<Plain>(PushRequest, json));
}
