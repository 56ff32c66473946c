/**
 * Picks the bus from configuration: Kafka when brokers are configured (scale-out), the in-process bus otherwise
 * (single node).
 */
import type { HotpathConfig } from '../config/index.ts';
import type { Bus } from './bus.ts';
import { InProcessBus } from './in-process.ts';

export async function createBus(config: HotpathConfig): Promise<Bus> {
  if (config.kafka.brokers.length === 0) return new InProcessBus({ publishTimeoutMs: config.publishTimeoutMs });
  const { KafkaBus } = await import('./kafka.ts');
  return KafkaBus.connect(config);
}
