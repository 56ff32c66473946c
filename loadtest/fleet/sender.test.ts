/**
 * The fleet simulator's HTTP/1.1 client against a real node:http server (and, for wire-level cases node:http would
 * not produce, a raw node:net server): statuses and bodies, chunked and fragmented responses, connection: close,
 * the keep-alive race retry, queueing at the socket cap, and the exact request bytes.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, Socket as NetSocket, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeMessage, PushRequest } from '../../schemas/index.ts';
import { Sender, timeMember, type Push } from './sender.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  socketId: number;
}

type Handler = (req: Received, res: ServerResponse) => void;

/**
 * A node:http server that records each request (body read fully) and answers with `handler`. With `keepAliveTimeout`
 * it closes a connection that stays idle that long after a response: Node 20.20's server adds an internal 1 s buffer
 * to `server.keepAliveTimeout` (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER), so the test enforces the timeout itself.
 */
async function httpServer(handler: Handler, opts: { keepAliveTimeout?: number } = {}) {
  const received: Received[] = [];
  let sockets = 0;
  const ids = new WeakMap<object, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), socketId: ids.get(req.socket)! };
      received.push(r);
      handler(r, res);
    });
    const ka = opts.keepAliveTimeout;
    if (ka !== undefined) {
      clearTimeout(idleTimers.get(req.socket));
      res.on('finish', () => idleTimers.set(req.socket, setTimeout(() => req.socket.destroy(), ka)));
    }
  });
  const idleTimers = new WeakMap<object, NodeJS.Timeout>();
  server.on('connection', (s) => ids.set(s, ++sockets));
  if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    connections: () => sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP server: `onRequest` gets the socket once a full request (head + content-length body) arrived. */
async function rawServer(onRequest: (s: Socket, n: number) => void) {
  let n = 0;
  const server: NetServer = createNetServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.toString('latin1', 0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        onRequest(s, ++n);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gz = gzipSync(Buffer.from('pretend this is a pprof profile '.repeat(50)));
const push = (second = 1_760_000_000, service = 'svc'): Push => ({ service, labels: { version: 'v1', pod: 'pod-1' }, gz, second });

describe('fleet Sender', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const make = async (handler: Handler, opts?: { keepAliveTimeout?: number }, maxSockets = 4) => {
    const srv = await httpServer(handler, opts);
    const sender = new Sender(srv.url, maxSockets, 'ingest');
    cleanups.push(srv.close, () => sender.close());
    return { srv, sender };
  };

  test('200 with an empty body; the request bytes are exactly gz + time member; path carries name, from, until', async () => {
    const { srv, sender } = await make((_req, res) => res.writeHead(200, { 'content-length': '0' }).end());
    const p = push(1_760_000_123);
    assert.deepEqual(await sender.send(p), { status: 200, body: '' });
    const r = srv.received[0];
    assert.equal(r.method, 'POST');
    const expected = Buffer.concat([gz, timeMember(p.second)]);
    assert.ok(r.body.equals(expected), 'body is gz followed by the time member');
    assert.equal(r.headers['content-length'], String(expected.length));
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(r.headers.host, srv.url.slice('http://'.length));
    const u = new URL(r.url, srv.url);
    assert.equal(u.pathname, '/ingest');
    assert.equal(u.searchParams.get('name'), 'svc{version=v1,pod=pod-1}');
    assert.equal(u.searchParams.get('from'), '1760000123');
    assert.equal(u.searchParams.get('until'), '1760000133');
    assert.equal(u.searchParams.get('format'), 'pprof');
    // Gunzip of the concatenated members: the profile bytes, then field 9 (time_nanos) as a varint.
    const raw = gunzipSync(r.body);
    assert.ok(raw.subarray(0, raw.length - 10).equals(gunzipSync(gz)));
    assert.equal(raw[raw.length - 10], 9 << 3);
  });

  test('400 with a JSON body', async () => {
    const { sender } = await make((_req, res) => {
      const body = JSON.stringify({ error: 'bad profile', detail: 'ünïcødé' });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    const reply = await sender.send(push());
    assert.equal(reply.status, 400);
    assert.deepEqual(JSON.parse(reply.body), { error: 'bad profile', detail: 'ünïcødé' });
  });

  test('chunked response (node:http without content-length, several writes)', async () => {
    const { sender } = await make((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.write('{"error":');
      setTimeout(() => {
        res.write('"overloaded",');
        setTimeout(() => res.end('"retry":true}'), 5);
      }, 5);
    });
    const a = await sender.send(push());
    assert.deepEqual(a, { status: 503, body: '{"error":"overloaded","retry":true}' });
    // The connection stays usable after a chunked response.
    const b = await sender.send(push());
    assert.deepEqual(b, a);
  });

  test('a response the server writes in several small pieces (split inside the status line, headers and body)', async () => {
    const response = 'HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nCONTENT-LENGTH: 17\r\nX-Extra: a\r\n\r\n{"error":"slow!"}';
    const srv = await rawServer(async (s) => {
      for (let i = 0; i < response.length; i += 3) {
        s.write(response.slice(i, i + 3));
        await sleep(1);
      }
    });
    const sender = new Sender(srv.url, 2, 'ingest');
    cleanups.push(srv.close, () => sender.close());
    assert.deepEqual(await sender.send(push()), { status: 429, body: '{"error":"slow!"}' });
    assert.deepEqual(await sender.send(push()), { status: 429, body: '{"error":"slow!"}' });
  });

  test('chunked response byte by byte, with chunk extensions, trailers, and a 100 Continue first', async () => {
    const response =
      'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4;ext=1\r\nab\u00e9\r\n' + // 'abé' is 4 bytes in utf8 (the é split across chunks below)
      'A\r\n0123456789\r\n' +
      '0\r\nX-Trailer: t\r\n\r\n';
    const bytes = Buffer.from(response, 'utf8');
    const srv = await rawServer(async (s) => {
      for (const b of bytes) {
        s.write(Buffer.from([b]));
        await sleep(0);
      }
    });
    const sender = new Sender(srv.url, 1, 'ingest');
    cleanups.push(srv.close, () => sender.close());
    assert.deepEqual(await sender.send(push()), { status: 200, body: 'abé0123456789' });
    // Same connection (maxSockets 1), next response in one write.
    const srv2Sent = await sender.send(push());
    assert.deepEqual(srv2Sent, { status: 200, body: 'abé0123456789' });
  });

  test('an unsupported transfer-encoding rejects with a clear error', async () => {
    const srv = await rawServer((s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'));
    const sender = new Sender(srv.url, 1, 'ingest');
    cleanups.push(srv.close, () => sender.close());
    await assert.rejects(sender.send(push()), /unsupported transfer-encoding/);
  });

  test('connection: close in the response closes the connection; the next request opens a new one', async () => {
    const { srv, sender } = await make((_req, res) => res.writeHead(200, { 'content-length': '2', connection: 'close' }).end('ok'));
    assert.deepEqual(await sender.send(push()), { status: 200, body: 'ok' });
    assert.deepEqual(await sender.send(push()), { status: 200, body: 'ok' });
    assert.deepEqual(
      srv.received.map((r) => r.socketId),
      [1, 2],
    );
    // A server that says close but leaves the socket open: the client must not reuse it.
    const perSocket: number[] = [];
    const sockets: Socket[] = [];
    const raw = await rawServer((s) => {
      let i = sockets.indexOf(s);
      if (i < 0) i = sockets.push(s) - 1;
      perSocket[i] = (perSocket[i] ?? 0) + 1;
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: Close\r\n\r\nok');
    });
    const s2 = new Sender(raw.url, 1, 'ingest');
    cleanups.push(raw.close, () => s2.close());
    assert.deepEqual(await s2.send(push()), { status: 200, body: 'ok' });
    assert.deepEqual(await s2.send(push()), { status: 200, body: 'ok' });
    assert.deepEqual(perSocket, [1, 1]);
  });

  test('keep-alive connections are reused, one request in flight per connection, queueing at the cap', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const perSocket = new Map<number, number>();
    const { srv, sender } = await make(
      (req, res) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const n = (perSocket.get(req.socketId) ?? 0) + 1;
        perSocket.set(req.socketId, n);
        assert.equal(n, 1, 'no pipelining: one request per connection at a time');
        setTimeout(() => {
          inFlight--;
          perSocket.set(req.socketId, n - 1);
          res.writeHead(200, { 'content-length': '0' }).end();
        }, 10);
      },
      undefined,
      3,
    );
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => sender.send(push(1_760_000_000 + i))));
    assert.ok(replies.every((r) => r.status === 200));
    assert.equal(srv.received.length, 20);
    assert.equal(maxInFlight, 3);
    assert.equal(srv.connections(), 3, 'three connections, reused');
    // Every request carried its own body.
    for (const r of srv.received) {
      const second = Number(new URL(r.url, srv.url).searchParams.get('from'));
      assert.ok(r.body.equals(Buffer.concat([gz, timeMember(second)])));
    }
  });

  test('server closing idle keep-alive connections after 50 ms: a send 100 ms later succeeds, on a new connection', async () => {
    const { srv, sender } = await make((_req, res) => res.writeHead(200, { 'content-length': '0' }).end(), { keepAliveTimeout: 50 });
    assert.equal((await sender.send(push())).status, 200);
    await sleep(100);
    assert.deepEqual(await sender.send(push()), { status: 200, body: '' });
    assert.equal(srv.received.length, 2);
    assert.equal(srv.connections(), 2);
  });

  test('the keep-alive race with the server in a worker: the request goes out on a connection the server already closed; retried', async () => {
    // The server (node:http, idle connections closed 50 ms after a response) runs in a worker, and this thread blocks
    // for 100 ms: the server closes the idle connection meanwhile, and the send below is written to it before this
    // thread has seen the FIN. Only the retry on a fresh connection makes it succeed.
    const worker = new Worker(
      `const { createServer } = require('node:http');
       const { parentPort } = require('node:worker_threads');
       let connections = 0;
       const server = createServer((req, res) => {
         req.resume();
         req.on('end', () => {
           clearTimeout(req.socket.idleTimer);
           res.on('finish', () => (req.socket.idleTimer = setTimeout(() => req.socket.destroy(), 50)));
           res.writeHead(200, { 'content-length': '2' }).end('ok');
           parentPort.postMessage({ request: true, connections });
         });
       });
       server.keepAliveTimeout = 50;
       server.on('connection', (s) => { connections++; s.on('close', () => parentPort.postMessage({ closed: true })); });
       server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
       parentPort.on('message', () => { server.closeAllConnections(); server.close(); parentPort.close(); });`,
      { eval: true },
    );
    const messages: { port?: number; request?: boolean; connections?: number; closed?: boolean }[] = [];
    const next = (pred: (m: (typeof messages)[number]) => boolean) =>
      new Promise<(typeof messages)[number]>((resolve) => {
        const found = messages.find(pred);
        if (found) return resolve(found);
        const on = (m: (typeof messages)[number]) => pred(m) && (worker.off('message', on), resolve(m));
        worker.on('message', on);
      });
    worker.on('message', (m) => messages.push(m));
    const { port } = await next((m) => m.port !== undefined);
    const sender = new Sender(`http://127.0.0.1:${port}`, 4, 'ingest');
    cleanups.push(() => sender.close(), () => void worker.postMessage('stop'));

    // Count request heads written per socket (a race shows up as one more head than sends).
    const heads = new Map<Socket, number>();
    const write = NetSocket.prototype.write;
    NetSocket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' && chunk.startsWith('POST ')) heads.set(this, (heads.get(this) ?? 0) + 1);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    try {
      assert.deepEqual(await sender.send(push()), { status: 200, body: 'ok' });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // block this thread; the worker closes the idle socket
      const second = sender.send(push()); // synchronously written to the idle connection, which is closed by now
      assert.deepEqual(await second, { status: 200, body: 'ok' });
    } finally {
      NetSocket.prototype.write = write;
    }
    assert.ok(messages.some((m) => m.closed), 'the server closed the idle connection');
    assert.deepEqual([...heads.values()], [2, 1], 'the second request went out on the closed connection, then on a fresh one');
    for (let i = 0; i < 100 && messages.filter((m) => m.request).length < 2; i++) await sleep(10); // worker messages trail the replies
    assert.equal(messages.filter((m) => m.request).length, 2, 'the server answered two requests');
  });

  test('the keep-alive race proper: the server closes a reused connection on receiving the request; retried once', async () => {
    // Answers the first request on each connection, then closes on the second without answering.
    const srv = await rawServer((s, n) => {
      if (n === 1 || n === 3) s.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nA');
      else s.destroy();
    });
    // Server-side `n` counts requests overall: 1 answered (conn 1), 2 dropped (conn 1 reused), 3 answered (fresh).
    const sender = new Sender(srv.url, 1, 'ingest');
    cleanups.push(srv.close, () => sender.close());
    assert.deepEqual(await sender.send(push()), { status: 200, body: 'A' });
    assert.deepEqual(await sender.send(push()), { status: 200, body: 'A' });
  });

  test('a connection failing on a fresh connection, or after response bytes arrived, rejects (no retry)', async () => {
    const truncated = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    const s1 = new Sender(truncated.url, 1, 'ingest');
    cleanups.push(truncated.close, () => s1.close());
    await assert.rejects(s1.send(push()), /closed before the response was complete/);

    const dropper = await rawServer((s) => s.destroy());
    const s2 = new Sender(dropper.url, 1, 'ingest');
    cleanups.push(dropper.close, () => s2.close());
    await assert.rejects(s2.send(push()));

    // Nothing listening: connection refused.
    const gone = await rawServer(() => {});
    await gone.close();
    const s3 = new Sender(gone.url, 1, 'ingest');
    cleanups.push(() => s3.close());
    await assert.rejects(s3.send(push()), /ECONNREFUSED/);
  });

  test('push protocol: POST /push.v1.PusherService/Push, application/proto, the raw profile is gz + time member', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/proto', 'content-length': '0' }).end());
    const sender = new Sender(srv.url, 2, 'push');
    cleanups.push(srv.close, () => sender.close());
    const p = push(1_760_000_456);
    assert.deepEqual(await sender.send(p), { status: 200, body: '' });
    const r = srv.received[0];
    assert.equal(r.url, '/push.v1.PusherService/Push');
    assert.equal(r.headers['content-type'], 'application/proto');
    const msg = decodeMessage(PushRequest, r.body) as { series: { labels: { name: string; value: string }[]; samples: { rawProfile: Uint8Array }[] }[] };
    const labels = Object.fromEntries(msg.series[0].labels.map((l) => [l.name, l.value]));
    assert.deepEqual(labels, { __name__: 'process_cpu', service_name: 'svc', version: 'v1', pod: 'pod-1' });
    assert.ok(Buffer.from(msg.series[0].samples[0].rawProfile).equals(Buffer.concat([gz, timeMember(p.second)])));
  });

  test('loopback only', () => {
    assert.throws(() => new Sender('http://example.com:80', 1, 'ingest'), /loopback only/);
    assert.doesNotThrow(() => new Sender('http://localhost:1', 1, 'ingest').close());
  });

  test('close() rejects requests in flight and later sends', async () => {
    const { sender } = await make(() => {}); // never answers
    const pending = sender.send(push());
    await sleep(20);
    sender.close();
    await assert.rejects(pending, /sender closed/);
    await assert.rejects(sender.send(push()), /sender closed/);
  });
});
