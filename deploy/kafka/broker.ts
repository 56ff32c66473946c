/**
 * A real Apache Kafka broker for tests, run by deploy/kafka/kafka.sh (single node, KRaft, 127.0.0.1 only).
 *
 *   const kafka = await startKafka();            // free ports, fresh temp data dir
 *   ... new Kafka({ brokers: kafka.brokers }) ...
 *   await kafka.kill();  await kafka.restart();  // crash and recover on the same data dir and ports
 *   await kafka.destroy();                       // stop and delete the temp data dir
 *
 * Each broker is stopped (SIGTERM) when the Node process exits, so a failed test does not leave a JVM behind.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The script this helper drives; also usable by hand (see README.md). */
export const KAFKA_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'kafka.sh');

export interface StartKafkaOptions {
  /** Client (PLAINTEXT) port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** KRaft controller port on 127.0.0.1. Default: a free port. */
  controllerPort?: number;
  /** Where the broker keeps its config, logs and data. Default: a new temp dir, which `destroy()` deletes. */
  dataDir?: string;
  /** How long `start`/`restart` wait for the broker to serve clients. Default 90 s. */
  readyTimeoutMs?: number;
  /** Extra environment for kafka.sh, e.g. { HOTPATH_KAFKA_HEAP: '1g' }. */
  env?: Record<string, string>;
}

export interface KafkaBroker {
  /** Bootstrap servers for kafkajs: ['127.0.0.1:<port>']. */
  brokers: string[];
  port: number;
  controllerPort: number;
  dataDir: string;
  /** The broker's own log (log4j); kafka.out beside it has the JVM's console output. */
  logFile: string;
  /** The broker's pid while it runs. */
  pid(): number | undefined;
  /** Starts it again after stop() or kill() (same ports and data); a no-op while it runs. Resolves once ready. */
  start(): Promise<void>;
  /** Clean shutdown (SIGTERM, SIGKILL after 30 s). The data dir is kept. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; the data dir is kept and the next start recovers it. */
  kill(): Promise<void>;
  /** stop() then start() on the same data dir and ports. */
  restart(): Promise<void>;
  /** stop(), then delete the data dir if startKafka created it. */
  destroy(): Promise<void>;
}

let javaChecked: boolean | undefined;

function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  return home && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
}

/** Whether a `java` that kafka.sh would use runs here (JAVA_HOME first, then PATH). */
export function javaAvailable(): boolean {
  if (javaChecked === undefined) {
    const r = spawnSync(javaBinary(), ['-version'], { stdio: 'ignore', timeout: 30_000 });
    javaChecked = r.status === 0;
  }
  return javaChecked;
}

/** Two (or n) distinct ports free on 127.0.0.1 right now: all held open at once, then released. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((ok, fail) => {
        srv.once('error', fail);
        srv.listen(0, '127.0.0.1', () => ok());
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('could not read a free port');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  }
}

function runScript(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((ok, fail) => {
    execFile('bash', [KAFKA_SCRIPT, command], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? `timed out after ${timeoutMs} ms` : `exited with ${err.code ?? err.signal}`;
        fail(new Error(`kafka.sh ${command} ${why}\n${stdout}${stderr}`.trimEnd()));
      } else {
        ok(stdout);
      }
    });
  });
}

/** Brokers this process started and has not stopped; stopped on exit. */
const live = new Set<string>();
let exitHookInstalled = false;

function readPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'kafka.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dataDir of live) {
      const pid = readPid(dataDir);
      if (pid === undefined) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

/** Starts a single-node Kafka (downloading its jars on first use) and resolves once it serves clients. */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const needed = (opts.port === undefined ? 1 : 0) + (opts.controllerPort === undefined ? 1 : 0);
  const free = needed > 0 ? await freePorts(needed) : [];
  const port = opts.port ?? (free.shift() as number);
  const controllerPort = opts.controllerPort ?? (free.shift() as number);
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = ownDataDir ? await mkdtemp(join(tmpdir(), 'hotpath-kafka-')) : resolve(opts.dataDir as string);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    HOTPATH_KAFKA_PORT: String(port),
    HOTPATH_KAFKA_CONTROLLER_PORT: String(controllerPort),
    HOTPATH_KAFKA_DATA: dataDir,
    HOTPATH_KAFKA_WAIT_TIMEOUT: String(Math.ceil(readyTimeoutMs / 1000)),
  };

  const start = async (): Promise<void> => {
    installExitHook();
    live.add(dataDir);
    // The first start may download the jars (Maven) and format the storage: allow for both.
    await runScript('start', env, 15 * 60_000);
    await runScript('wait', env, readyTimeoutMs + 30_000);
  };
  const stop = async (): Promise<void> => {
    await runScript('stop', env, 120_000);
    live.delete(dataDir);
  };
  const kill = async (): Promise<void> => {
    await runScript('kill', env, 60_000);
    live.delete(dataDir);
  };

  try {
    await start();
  } catch (err) {
    // Leave nothing running; keep the data dir (its server.log and kafka.out) for a look.
    await runScript('kill', env, 60_000).catch(() => '');
    live.delete(dataDir);
    throw new Error(`Kafka on 127.0.0.1:${port} did not start (data dir kept: ${dataDir}): ${(err as Error).message}`);
  }

  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    controllerPort,
    dataDir,
    logFile: join(dataDir, 'server.log'),
    pid: () => (live.has(dataDir) ? readPid(dataDir) : undefined),
    start,
    stop,
    kill,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
