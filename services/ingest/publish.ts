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

export async function publishProfiles(publisher: Publisher, profiles: NormalizedProfile[], ingestId?: string): Promise<void> {
  if (profiles.length === 0) return;
  await publisher.publish(profiles.map((p) => ({ key: busKey(p), value: encodeProfile(p, { ingestId }) })));
}
