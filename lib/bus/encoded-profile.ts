/**
 * A profile as the gateway holds it between decode and publish: its bus envelope, encoded once where the profile
 * was normalized (a decode worker, for pprof), and the few header fields the gateway's checks read.
 *
 * Why bytes and not the NormalizedProfile: a request stays in flight until its profiles are durable (the group
 * commit: ~1–2 s under load), long enough for everything it references to survive young-generation collections
 * and be copied into the old generation. A profile's object graph (a frames array and its strings per stack)
 * made that the gateway's largest GC cost; one envelope Buffer per profile is a single small object. It also
 * means the profile crosses from the decode worker as transferred bytes, not as a structured clone of that graph.
 */
import type { Labels, NormalizedProfile, ProfileType } from '../profile/model.ts';
import { appendIngestId, encodeProfile } from './envelope.ts';

export interface EncodedProfile {
  tenant: string;
  type: ProfileType;
  labels: Labels;
  fingerprint: string;
  timeMs: number;
  /** Distinct stacks (what the samples-per-profile limit counts). */
  stackCount: number;
  /** hotpath.bus.v1.NormalizedProfile bytes without an ingest id (busValue adds it). */
  envelope: Uint8Array;
}

/** Encodes `p` for the bus (throws EnvelopeError as encodeProfile does). */
export function encodeForBus(p: NormalizedProfile): EncodedProfile {
  return {
    tenant: p.tenant,
    type: p.type,
    labels: p.labels,
    fingerprint: p.fingerprint,
    timeMs: p.timeMs,
    stackCount: p.stacks.length,
    envelope: encodeProfile(p),
  };
}

/** The message value to publish: the envelope with the profile's ingest id, if it has one. */
export function busValue(p: EncodedProfile, ingestId?: string): Buffer {
  return appendIngestId(p.envelope, ingestId ?? '');
}
