/**
 * What a publish on the in-process bus costs the gateway's event loop (lib/bus/in-process.ts): rounds of 2 048
 * outstanding publishes of two messages each (a fleet request's two profiles, the simulator's in-flight cap),
 * delivered, committed at once and awaited. Prints the time and the JS heap bytes allocated (V8's sampling heap
 * profiler, collected objects included) per publish. What a publish allocates lives until its commit, ~1 s under
 * load: long enough to be copied out of V8's young generation.
 *
 *   node --import tsx loadtest/bus-publish-bench.ts [--rounds 100]
 */
import { parseArgs } from 'node:util';
import { InProcessBus } from '../lib/bus/in-process.ts';
import { heapAllocations } from './heap-allocations.ts';

const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '100' } } });
const OUTSTANDING = 2048;
const bus = new InProcessBus();
const consumer = bus.consumer();
let last = -1;
await consumer.start({
  onMessages: async (m) => {
    last = Number(m.at(-1)!.offset);
  },
});
const publisher = bus.publisher();
const value = new Uint8Array(100);

async function round(): Promise<void> {
  const pending: Promise<void>[] = [];
  for (let i = 0; i < OUTSTANDING; i++) pending.push(publisher.publish([{ key: 'a', value }, { key: 'b', value }]));
  await new Promise((r) => setImmediate(r));
  await consumer.commit([{ topic: bus.topic, partition: 0, offset: String(last + 1) }]);
  await Promise.all(pending);
}

for (let i = 0; i < 50; i++) await round();
const rounds = Number(a.rounds);
let ms = 0;
const { bytes } = await heapAllocations(async () => {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await round();
  ms = performance.now() - t0;
}, 128);
const publishes = rounds * OUTSTANDING;
console.log(`${publishes} publishes of 2 messages, ${OUTSTANDING} outstanding: ${((ms * 1000) / publishes).toFixed(1)} µs and ~${(bytes / publishes).toFixed(0)} B allocated per publish`);
await bus.close();
