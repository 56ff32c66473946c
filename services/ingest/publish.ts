/**
 * The gateway's last step: hand normalized profiles to the bus, keyed by tenant + series fingerprint (one series,
 * one partition), and wait until the bus says they are durable. Only then may the route answer 200.
 */
import type { Publisher } from '../../lib/bus/bus.ts';
import { encodeProfile } from '../../lib/bus/envelope.ts';
import type { NormalizedProfile } from '../../lib/profile/model.ts';

export function busKey(p: NormalizedProfile): string {
  return `${p.tenant}/${p.fingerprint}`;
}

/**
 * `ingestId`: one id for every profile, or one per profile (retry-dedupe.ts gives profile i of a request the id
 * `<request>.<i>`, so two profiles of one request never share an id).
 */
export async function publishProfiles(publisher: Publisher, profiles: NormalizedProfile[], ingestId?: string | readonly string[]): Promise<void> {
  if (profiles.length === 0) return;
  const idOf = (i: number) => (typeof ingestId === 'string' || ingestId === undefined ? ingestId : ingestId[i]);
  await publisher.publish(profiles.map((p, i) => ({ key: busKey(p), value: encodeProfile(p, { ingestId: idOf(i) }) })));
}
