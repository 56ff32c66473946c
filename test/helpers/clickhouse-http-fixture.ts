/**
 * A test fixture, not a product: the embedded engine (chdb) served over ClickHouse's HTTP interface, so several
 * Hotpath processes can share one store through HOTPATH_CLICKHOUSE_URL exactly as they would a real server (no
 * ClickHouse server can be installed here, and chdb allows one data path per process). It implements the part of
 * the interface @clickhouse/client uses:
 * - `GET /ping` → `Ok.`;
 * - `POST /` (and GET) with the statement in `query` and/or the body — for an INSERT the URL carries
 *   `INSERT … FORMAT JSONEachRow` and the body the rows, as a server reads them; `param_<name>` query parameters
 *   bound by the engine; `database`; `default_format`; every other URL parameter is a setting for this query;
 *   gzip request bodies;
 * - answers with `X-ClickHouse-Query-Id`, `X-ClickHouse-Format`, `X-ClickHouse-Summary`; errors as status 500
 *   with `X-ClickHouse-Exception-Code` and the engine's `Code: N. DB::Exception: …` text, which the client parses.
 * The engine's settings live on its one session, so requests run one at a time and each query's settings are
 * reset to their defaults after it.
 *
 * Run as a child process: `startClickHouseFixture()` spawns this file and resolves with its URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** URL parameters that are not settings of the query. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'default_format', 'session_id', 'session_timeout', 'session_check', 'user', 'password', 'compress', 'decompress', 'buffer_size', 'role', 'quota_key']);
/** Settings of the HTTP layer only; the engine has no use for them (and refuses some). */
const HTTP_ONLY = new Set(['wait_end_of_query', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'enable_http_compression', 'http_zlib_compression_level', 'http_response_buffer_size', 'cancel_http_readonly_queries_on_client_close']);

interface ChdbResult {
  bytes(): Uint8Array;
  rowsRead: number;
  bytesRead: number;
  elapsed: number;
}
interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<ChdbResult>;
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<ChdbResult>;
  close(): void;
}

const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const FORMAT_CLAUSE = /\bFORMAT\s+(\w+)\s*$/i;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

export async function serveClickHouse(dataPath: string, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const { Session } = (await import('chdb')) as unknown as { Session: new (path: string) => ChdbSession };
  const session = new Session(dataPath);
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  async function execute(url: URL, body: Buffer): Promise<{ out: Uint8Array; format: string; summary: Record<string, string> }> {
    const queryParam = url.searchParams.get('query');
    // As the server: the URL's statement and the body are one text (an INSERT's data follows its statement).
    const sql = queryParam !== null ? (body.length > 0 ? `${queryParam}\n${body.toString('utf8')}` : queryParam) : body.toString('utf8');
    const head = queryParam ?? body.toString('utf8', 0, Math.min(body.length, 4096));
    const format = FORMAT_CLAUSE.exec(head.split('\n')[0] ?? '')?.[1] ?? url.searchParams.get('default_format') ?? 'TabSeparated';
    const params: Record<string, string> = {};
    const settings: [string, string][] = [];
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) params[k.slice(6)] = v;
      else if (!NOT_SETTINGS.has(k) && !HTTP_ONLY.has(k)) {
        if (!/^\w+$/.test(k)) throw Object.assign(new Error(`Code: 115. DB::Exception: Unknown setting ${k}. (UNKNOWN_SETTING)`), { code: '115' });
        settings.push([k, v]);
      }
    }
    const database = url.searchParams.get('database') ?? 'default';
    return serial(async () => {
      await session.queryAsync(`USE ${/^\w+$/.test(database) ? database : 'default'}`);
      for (const [k, v] of settings) await session.queryAsync(`SET ${k} = ${quote(v)}`);
      try {
        const result = Object.keys(params).length > 0 ? await session.queryBindAsync(sql, params, { format }) : await session.queryAsync(sql, { format });
        const rows = String(result.rowsRead ?? 0);
        const bytes = String(result.bytesRead ?? 0);
        return {
          out: result.bytes(),
          format,
          summary: { read_rows: rows, read_bytes: bytes, written_rows: rows, written_bytes: bytes, total_rows_to_read: rows, result_rows: rows, result_bytes: bytes, elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)) },
        };
      } finally {
        for (const [k] of settings) await session.queryAsync(`SET ${k} = DEFAULT`).catch(() => {});
      }
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fixture');
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    try {
      const body = await readBody(req);
      const { out, format, summary } = await execute(url, body);
      res.writeHead(200, {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-query-id': queryId,
        'x-clickhouse-format': format,
        'x-clickhouse-timezone': 'UTC',
        'x-clickhouse-summary': JSON.stringify(summary),
      });
      res.end(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = /Code:\s*(\d+)/.exec(message)?.[1] ?? '1000';
      const text = message.includes('DB::Exception') ? message : `Code: ${code}. DB::Exception: ${message}`;
      res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-query-id': queryId, 'x-clickhouse-exception-code': code });
      res.end(`${text}\n`);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      session.close();
    },
  };
}

export interface ClickHouseFixture {
  url: string;
  proc: ChildProcess;
  /** Runs one statement against the shared store (JSONEachRow rows for a SELECT). */
  query<T = Record<string, unknown>>(sql: string, database?: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** Starts the fixture in its own process (chdb: one data path per process) and resolves with its URL. */
export async function startClickHouseFixture(dataPath: string): Promise<ClickHouseFixture> {
  // stdin stays open as a lifeline: when this process dies, the fixture sees end-of-input and exits too.
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dataPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ClickHouse fixture did not start in 60 s:\n${logs.join('')}`)), 60_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      const m = /^listening (\d+)$/m.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ClickHouse fixture exited with ${code}:\n${logs.join('')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    proc,
    async query<T>(sql: string, database = 'hotpath'): Promise<T[]> {
      const res = await fetch(`${url}/?database=${database}&default_format=JSONEachRow`, { method: 'POST', body: sql });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`fixture query failed (${res.status}): ${text}`);
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dataPath = process.argv[2];
  if (!dataPath) {
    process.stderr.write('usage: clickhouse-http-fixture.ts <data path>\n');
    process.exit(2);
  }
  const served = await serveClickHouse(dataPath);
  process.stdout.write(`listening ${served.port}\n`);
  const exit = () => void served.close().finally(() => process.exit(0));
  process.once('SIGTERM', exit);
  process.stdin.on('end', exit);
  process.stdin.resume();
}
