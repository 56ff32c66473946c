// Readiness check used by `kafka.sh wait`: succeeds once a real Kafka client (kafkajs, the client Hotpath uses)
// sees the broker registered in the cluster metadata and can list topics.
//   node deploy/kafka/probe.mjs 127.0.0.1:9092 [timeoutMs]
// Exit codes: 0 ready, 1 not ready before the timeout, 2 bad arguments, 3 kafkajs is not installed (check skipped).

const [broker, timeoutArg = '30000'] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg);
if (!broker || !/^[^:]+:\d+$/.test(broker) || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
  console.error('usage: node probe.mjs HOST:PORT [timeoutMs]');
  process.exit(2);
}

let kafkajs;
try {
  kafkajs = await import('kafkajs');
} catch {
  console.error('probe.mjs: kafkajs is not installed here; skipping the client check');
  process.exit(3);
}
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;

const deadline = Date.now() + timeoutMs;
let lastError = 'no attempt made';
while (Date.now() < deadline) {
  const kafka = new Kafka({
    clientId: 'hotpath-kafka-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster metadata lists no live broker yet');
    await admin.listTopics();
    await admin.disconnect();
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
    await admin.disconnect().catch(() => {});
    await new Promise((r) => setTimeout(r, 250));
  }
}
console.error(`probe.mjs: ${broker} did not answer kafkajs within ${timeoutMs} ms: ${lastError}`);
process.exit(1);
