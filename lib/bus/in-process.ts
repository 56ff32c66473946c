/**
 * The single-node bus: an in-memory log per partition inside one process. Nothing is durable until the
 * consumer commits, so `publish` resolves only when the aggregator has inserted the messages into ClickHouse
 * and committed their offsets (group commit): a 200 to the client means the data is in the store. A crash
 * before that loses only messages no client was told were accepted.
 */
import { randomUUID } from 'node:crypto';
import { HotpathError } from '../errors.ts';
import type { Bus, BusMessage, CommitPoint, Consumer, ConsumerHandlers, DeliveredMessage, Publisher } from './bus.ts';
import { partitionForKey } from './bus.ts';

/**
 * One publish call waiting for its messages' commit. A request stays in flight ~1 s under load, long enough for
 * what it holds to be copied out of V8's young generation: one record per call (not a promise, a timer and a race
 * per call and a promise per message) keeps that small.
 */
interface Waiter {
  /** Messages of the call not yet committed. */
  remaining: number;
  /** When the call fails with 503 if not all committed (ms since the epoch). */
  deadline: number;
  resolve: () => void;
  reject: (err: Error) => void;
  /** Settled (committed or timed out): later commits of its messages change nothing. */
  done: boolean;
}

interface Pending {
  offset: number;
  waiter: Waiter;
}

/** Settles a waiter once: resolved without `err`, failed with it; a waiter already settled is left as it is. */
function finish(waiter: Waiter, err?: Error): void {
  if (waiter.done) return;
  waiter.done = true;
  if (err) waiter.reject(err);
  else waiter.resolve();
}

const shuttingDown = () => new HotpathError('unavailable', 'the bus is shutting down', { retryAfter: 1 });

interface Partition {
  /** Offset of the next message appended. */
  next: number;
  /** Messages appended but not yet handed to the consumer. */
  queue: DeliveredMessage[];
  /** Publishers waiting for their offset to be committed, in offset order. */
  waiting: Pending[];
  committed: number;
}

export interface InProcessBusOptions {
  partitions?: number;
  /** A publish not committed within this time fails with 503 (the client may retry). */
  publishTimeoutMs?: number;
  /** Upper bound on messages held in memory before publishers are refused (back-pressure). */
  maxQueued?: number;
}

export class InProcessBus implements Bus {
  /**
   * A fresh topic name per process start: offsets restart at 0 with every process, and the aggregator derives
   * ClickHouse dedup tokens from (topic, partition, offsets) — a per-start topic keeps those tokens unique.
   */
  readonly topic = `inproc-${randomUUID()}`;
  private readonly parts: Partition[];
  private handlers?: ConsumerHandlers;
  private draining = false;
  private closed = false;
  private queued = 0;
  private readonly publishTimeoutMs: number;
  private readonly maxQueued: number;
  /** Fails publishes past their deadline; runs only while some publish waits. */
  private sweepTimer?: NodeJS.Timeout;
  /** Told of consumer failures (logging); the messages stay queued either way. */
  onError?: (err: unknown) => void;

  constructor(opts: InProcessBusOptions = {}) {
    const n = opts.partitions ?? 1;
    this.parts = Array.from({ length: n }, () => ({ next: 0, queue: [], waiting: [], committed: 0 }));
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 10_000;
    this.maxQueued = opts.maxQueued ?? 50_000;
  }

  publisher(): Publisher {
    return {
      publish: (messages) => this.publish(messages),
      close: async () => {},
    };
  }

  consumer(): Consumer {
    return {
      start: async (handlers) => {
        if (this.handlers) throw new Error('in-process bus: only one consumer per bus');
        this.handlers = handlers;
        this.drain();
      },
      commit: async (points) => this.commit(points),
      stop: async () => {
        this.handlers = undefined;
      },
    };
  }

  private publish(messages: BusMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (this.queued + messages.length > this.maxQueued) {
      return Promise.reject(new HotpathError('unavailable', 'the aggregator is behind; retry shortly', { retryAfter: 1 }));
    }
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: messages.length, deadline: Date.now() + this.publishTimeoutMs, resolve, reject, done: false };
      for (const m of messages) {
        const p = partitionForKey(m.key, this.parts.length);
        const part = this.parts[p];
        const offset = part.next++;
        part.queue.push({ topic: this.topic, partition: p, offset: String(offset), key: m.key, value: m.value });
        this.queued++;
        part.waiting.push({ offset, waiter });
      }
      this.drain();
      this.sweepSoon();
    });
  }

  /**
   * Deadlines come due in publish order, so within a partition the oldest waiter is due first: a sweep looks at
   * the head of each waiting list, a few times per timeout, instead of a timer per publish.
   */
  private sweepSoon(): void {
    if (this.sweepTimer || this.closed) return;
    const every = Math.max(10, Math.min(1000, Math.floor(this.publishTimeoutMs / 4)));
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      const now = Date.now();
      let waiting = false;
      for (const part of this.parts) {
        while (part.waiting.length > 0 && (part.waiting[0]!.waiter.done || part.waiting[0]!.waiter.deadline <= now)) {
          finish(part.waiting.shift()!.waiter, new HotpathError('unavailable', `profile not stored within ${this.publishTimeoutMs} ms; retry`, { retryAfter: 1 }));
        }
        waiting ||= part.waiting.length > 0;
      }
      if (waiting) this.sweepSoon();
    }, every);
    this.sweepTimer.unref();
  }

  /** Hands queued messages to the consumer, one partition's run at a time, never two deliveries at once. */
  private drain(): void {
    if (this.draining || !this.handlers) return;
    this.draining = true;
    void (async () => {
      try {
        for (;;) {
          const part = this.parts.find((p) => p.queue.length > 0);
          if (!part || !this.handlers) break;
          const batch = part.queue.splice(0, part.queue.length);
          try {
            await this.handlers.onMessages(batch);
          } catch (err) {
            // The consumer could not take them now: put them back in order and try again shortly.
            part.queue.unshift(...batch);
            this.onError?.(err);
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      } finally {
        this.draining = false;
        if (this.handlers && this.parts.some((p) => p.queue.length > 0)) setImmediate(() => this.drain());
      }
    })();
  }

  private commit(points: CommitPoint[]): void {
    for (const pt of points) {
      if (pt.topic !== this.topic) continue;
      const part = this.parts[pt.partition];
      const upTo = Number(pt.offset);
      if (upTo <= part.committed) continue;
      this.queued -= upTo - part.committed;
      part.committed = upTo;
      while (part.waiting.length > 0 && part.waiting[0]!.offset < upTo) {
        const { waiter } = part.waiting.shift()!;
        if (--waiter.remaining === 0) finish(waiter);
      }
    }
  }

  /** Publishes still waiting fail now (nothing will commit them), as a publish arriving after this does. */
  async close(): Promise<void> {
    this.closed = true;
    this.handlers = undefined;
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const part of this.parts) {
      for (const { waiter } of part.waiting.splice(0)) finish(waiter, shuttingDown());
    }
  }
}
