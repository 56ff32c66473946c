/**
 * kafkajs client options from Hotpath's configuration: brokers, client id, TLS and SASL. Kept apart from the
 * producer and consumer so both (and the admin client that creates the topic) connect the same way.
 */
import { readFileSync } from 'node:fs';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/index.ts';

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export function kafkaClientOptions(cfg: KafkaConfig): KafkaJsConfig {
  const opts: KafkaJsConfig = { brokers: cfg.brokers, clientId: cfg.clientId };
  if (cfg.ssl || cfg.sslCaFile) {
    // A CA file pins the brokers' certificate authority (self-signed clusters); otherwise the system CAs apply.
    opts.ssl = cfg.sslCaFile ? { ca: [readFileSync(cfg.sslCaFile, 'utf8')] } : true;
  }
  if (cfg.saslMechanism) {
    const mechanism = cfg.saslMechanism.toLowerCase();
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new Error(`config: HOTPATH_KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(cfg.saslMechanism)}`);
    }
    opts.sasl = { mechanism, username: cfg.saslUsername, password: cfg.saslPassword } as SASLOptions;
  }
  return opts;
}
