/**
 * The gateway's last step: hand normalized profiles to the bus, keyed by tenant + series fingerprint (one series,
 * one partition), and wait until the bus says they are durable. Only then may the route answer 200.
 */
import type { Publisher } from '../../lib/bus/bus.ts';
import { busValue, type EncodedProfile } from '../../lib/bus/encoded-profile.ts';

export function busKey(p: EncodedProfile): string {
  return `${p.tenant}/${p.fingerprint}`;
}

/**
 * `ingestId`: one id for every profile, or one per profile (retry-dedupe.ts gives profile i of a request the id
 * `<request>.<i>`, so two profiles of one request never share an id).
 */
export async function publishProfiles(publisher: Publisher, profiles: EncodedProfile[], ingestId?: string | readonly string[]): Promise<void> {
  if (profiles.length === 0) return;
  const idOf = (i: number) => (typeof ingestId === 'string' || ingestId === undefined ? ingestId : ingestId[i]);
  await publisher.publish(profiles.map((p, i) => ({ key: busKey(p), value: busValue(p, idOf(i)) })));
}
