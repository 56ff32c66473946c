/**
 * pprof decode, normalize and bus encoding on worker threads. Decoding is the gateway's largest CPU cost per
 * profile (the fleet profile in BENCHMARKS.md: ~40 % of the main thread at the ceiling), and on the main thread it
 * competes with HTTP parsing, the ingest gate and the aggregator. Handing it to workers keeps the event loop free;
 * the result crosses back as envelope bytes (transferred) and a few header fields (lib/bus/encoded-profile.ts).
 *
 * `size` 0 decodes inline (no threads), as tests and tiny deployments may want. A worker that dies fails only its
 * own requests (503 with Retry-After: nothing was published for them) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import { encodeForBus, type EncodedProfile } from '../bus/encoded-profile.ts';
import { HotpathError, type ErrorCode } from '../errors.ts';
import type { DecodeOptions } from './decode.ts';
import { profilesFromPprof } from './index.ts';
import type { NormalizeContext } from './normalize.ts';

export type DecodeContext = NormalizeContext & DecodeOptions;

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  ctx: DecodeContext;
}

export type DecodeResponse =
  | { id: number; profiles: EncodedProfile[] }
  | { id: number; refused: { code: ErrorCode; message: string; status: number; reason: string; retryAfter?: number } }
  | { id: number; failed: string };

/**
 * The worker's entry: TypeScript runs through tsx, as in this process. Node 20 does not apply the `--import tsx`
 * a worker inherits before loading its entry file, so the worker registers tsx itself, then loads the decoder.
 */
const WORKER_BOOT = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./decode-worker.ts', import.meta.url).href)}); })`;

/** A request whose worker died: nothing was published for it, so the client may simply retry. */
const lost = (why: string) => new HotpathError('unavailable', `profile decoder unavailable (worker ${why}); retry`, { retryAfter: 1 });
/** A request pending or arriving while the pool closes: nothing was published for it either. */
const shuttingDown = () => new HotpathError('unavailable', 'the gateway is shutting down', { retryAfter: 1 });

interface Pending {
  resolve: (p: EncodedProfile[]) => void;
  reject: (e: Error) => void;
}

/**
 * One worker thread. Requests posted during one turn of the event loop go to it as one message, and it answers a
 * message's requests in one message: under load a turn handles many requests, and every message is a cross-thread
 * wake-up (a futex, costly on a VM) plus a serialization round.
 */
class DecodeWorker {
  readonly pending = new Map<number, Pending>();
  /** Whether it ever answered: one that dies before that could not even start, and is not replaced. */
  answered = false;
  private worker: Worker;
  private outbox: DecodeRequest[] = [];
  private outboxTransfer: ArrayBuffer[] = [];
  private sendScheduled = false;

  constructor(private readonly onExit: (w: DecodeWorker) => void) {
    this.worker = new Worker(WORKER_BOOT, { eval: true });
    this.worker.unref();
    this.worker.on('message', (answers: DecodeResponse[]) => {
      for (const res of answers) this.settle(res);
    });
    this.worker.on('error', (err) => this.failAll(lost(err.message)));
    this.worker.on('exit', (code) => {
      this.failAll(lost(`exited with code ${code}`));
      this.onExit(this);
    });
  }

  post(req: DecodeRequest, p: Pending): void {
    this.pending.set(req.id, p);
    // A Buffer is often a view into a larger one (a push request holds many profiles): cloning it would copy the
    // whole backing store. An exact copy is moved instead.
    const bytes = new Uint8Array(req.bytes);
    this.outbox.push({ ...req, bytes });
    this.outboxTransfer.push(bytes.buffer);
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      setImmediate(() => this.send());
    }
  }

  /** Posts what this turn of the event loop asked for, as one message. */
  private send(): void {
    this.sendScheduled = false;
    const requests = this.outbox;
    const transfer = this.outboxTransfer;
    this.outbox = [];
    this.outboxTransfer = [];
    if (requests.length > 0) this.worker.postMessage(requests, transfer);
  }

  terminate(): Promise<number> {
    this.outbox = [];
    this.outboxTransfer = [];
    this.worker.removeAllListeners('exit');
    this.failAll(shuttingDown());
    return this.worker.terminate();
  }

  private settle(res: DecodeResponse): void {
    this.answered = true;
    const p = this.pending.get(res.id);
    if (!p) return;
    this.pending.delete(res.id);
    if ('profiles' in res) p.resolve(res.profiles);
    else if ('refused' in res) {
      const r = res.refused;
      p.reject(new HotpathError(r.code, r.message, { status: r.status, reason: r.reason, retryAfter: r.retryAfter }));
    } else p.reject(new Error(`decode worker: ${res.failed}`));
  }

  private failAll(err: HotpathError): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export class DecodePool {
  private workers: DecodeWorker[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** pprof bytes (gzip'd or not) → profilesFromPprof's profiles encoded for the bus, on the least busy worker. */
  profiles(bytes: Uint8Array, ctx: DecodeContext): Promise<EncodedProfile[]> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (this.workers.length === 0) {
      try {
        return Promise.resolve(profilesFromPprof(bytes, ctx).map(encodeForBus));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let w = this.workers[0]!;
    for (const c of this.workers) if (c.pending.size < w.pending.size) w = c;
    return new Promise((resolve, reject) => w.post({ id: this.nextId++, bytes, ctx }, { resolve, reject }));
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): DecodeWorker {
    return new DecodeWorker((dead) => {
      if (this.closed) return;
      this.workers = this.workers.filter((w) => w !== dead);
      // Replaced if it had worked; else starting workers fails here, and decoding goes on inline (none left).
      if (dead.answered) this.workers.push(this.spawn());
      else process.emitWarning(`decode worker could not start; ${this.workers.length} left (0: decoding on the event loop)`);
    });
  }
}
