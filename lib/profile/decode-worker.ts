/**
 * A decode worker (decode-pool.ts): pprof bytes in, bus-ready profiles out (decoded, normalized and encoded as bus
 * envelopes: lib/bus/encoded-profile.ts says why). The envelopes are transferred, not copied. Refusals
 * (HotpathError) go back as their fields, so the gateway answers exactly as if it had decoded them itself.
 */
import { parentPort } from 'node:worker_threads';
import { encodeForBus } from '../bus/encoded-profile.ts';
import { isHotpathError } from '../errors.ts';
import { profilesFromPprof } from './index.ts';
import type { DecodeRequest, DecodeResponse } from './decode-pool.ts';

/**
 * Answers a message's requests (decode-pool.ts batches them per event-loop turn) in one message. Their envelopes
 * are packed into one ArrayBuffer, moved rather than copied: one allocation per message, not one per profile (a
 * small Buffer is a slice of Node's shared pool, which could not be moved anyway).
 */
parentPort!.on('message', (requests: DecodeRequest[]) => {
  const answers = requests.map(answer);
  let bytes = 0;
  for (const a of answers) if ('profiles' in a) for (const p of a.profiles) bytes += p.envelope.length;
  const pack = new Uint8Array(bytes);
  let at = 0;
  for (const a of answers) {
    if (!('profiles' in a)) continue;
    for (const p of a.profiles) {
      pack.set(p.envelope, at);
      p.envelope = pack.subarray(at, at + p.envelope.length);
      at += p.envelope.length;
    }
  }
  parentPort!.postMessage(answers, [pack.buffer]);
});

function answer(req: DecodeRequest): DecodeResponse {
  try {
    return { id: req.id, profiles: profilesFromPprof(req.bytes, req.ctx).map(encodeForBus) };
  } catch (err) {
    return isHotpathError(err)
      ? { id: req.id, refused: { code: err.code, message: err.message, status: err.status, reason: err.reason, retryAfter: err.retryAfter } }
      : { id: req.id, failed: (err as Error).stack ?? String(err) };
  }
}
