/**
 * Measuring the pieces other modules own without changing them: the bus publisher, the store's inserts and the
 * aggregator's counters are wrapped or read here, once, where the process is assembled (bin/start.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { Publisher } from '../bus/bus.ts';
import type { Store } from '../store/store.ts';
import { busPublishSeconds, httpSeconds, registry, storeInsertedRows, storeInsertSeconds } from './metrics.ts';

/** The same publisher, timing every publish until the bus confirms (or refuses) it. */
export function instrumentPublisher(publisher: Publisher): Publisher {
  return {
    async publish(messages) {
      const end = busPublishSeconds.startTimer();
      try {
        await publisher.publish(messages);
        end({ outcome: 'ok' });
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    },
    close: () => publisher.close(),
  };
}

/** Times the store's inserts (the aggregator's flushes are made of them) and counts their rows, per table. */
export function instrumentStore(store: Store): void {
  const insert = store.insertRows.bind(store);
  store.insertRows = async (table, rows, dedupToken) => {
    if (rows.length === 0) return insert(table, rows, dedupToken);
    const end = storeInsertSeconds.startTimer({ table });
    try {
      await insert(table, rows, dedupToken);
      end({ outcome: 'ok' });
      storeInsertedRows.inc({ table }, rows.length);
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  };
}

export interface AggregatorCounters {
  profiles: number;
  flushes: number;
  deadLetters: number;
  lastFlushMs: number;
}

/** Exposes the aggregator's own counters, read at scrape time. */
export function watchAggregator(stats: AggregatorCounters): void {
  const gauge = (name: string, help: string, read: () => number) => {
    registry.removeSingleMetric(name);
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('hotpath_aggregator_profiles', 'Profiles merged and written by this aggregator since start', () => stats.profiles);
  gauge('hotpath_aggregator_flushes', 'Batches written and committed by this aggregator since start', () => stats.flushes);
  gauge('hotpath_aggregator_dead_letters', 'Undecodable bus messages dead-lettered since start', () => stats.deadLetters);
  gauge('hotpath_aggregator_last_flush_seconds', 'Duration of the last batch write + commit (aggregator lag behind the bus while it runs)', () => stats.lastFlushMs / 1000);
}

/** Times every HTTP request by its route pattern (never the raw URL: bounded label values). */
export function timeRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpSeconds.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
