/**
 * How one simulated agent's push goes on the wire, as cheaply as possible for the simulator (it shares the machine
 * with the server it measures). A variant's gzip bytes are sent as built, and the push time is added as a second
 * gzip member holding only pprof field 9 (time_nanos). Gunzip reads concatenated members as one stream, so the
 * server sees exactly what test/helpers/restamp.ts would produce (the variant's fields, then time_nanos), without
 * re-compressing the profile per request. Time members are cached per second.
 *
 * The HTTP/1.1 client is a minimal one over node:net instead of node:http (whose per-request objects, header
 * validation and stream machinery cost the simulator ~17–20 % of a core at ~1 150 profiles/s):
 * - up to `maxSockets` keep-alive connections to the loopback server; one request in flight per connection (no
 *   pipelining: a real agent sends one at a time); idle connections are reused most-recent first, new ones opened up
 *   to the cap, requests queue (FIFO) while all are busy;
 * - a request is its head (request line and headers, one small string per request) and the body parts (`gz`, then the
 *   time member) written corked, so they leave in one writev without copying the profile into a new Buffer;
 * - responses: status line, headers (content-length, transfer-encoding: chunked, connection: close), body by
 *   content-length, chunked, or up to the close; 1xx interim responses are skipped;
 * - the keep-alive race: a request written to a connection that had been idle, whose connection then closes or
 *   fails before any byte of the response arrived, is retried once on a fresh connection (the server had closed the
 *   idle connection as the request went out). Any other failure rejects the send() promise.
 */
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PbWriter } from '../../lib/profile/test-fixtures.ts';
import { encodePushRequest } from '../../test/helpers/push-messages.ts';

export type Protocol = 'ingest' | 'push';

const timeMembers = new Map<number, Buffer>();

/** A gzip member carrying `time_nanos = second * 1e9` (field 9, varint). */
export function timeMember(second: number): Buffer {
  let m = timeMembers.get(second);
  if (!m) {
    m = gzipSync(new PbWriter().int(9, BigInt(second) * 1_000_000_000n).finish());
    if (timeMembers.size > 4096) timeMembers.clear();
    timeMembers.set(second, m);
  }
  return m;
}

export interface Push {
  service: string;
  labels: Record<string, string>;
  gz: Buffer;
  second: number;
}

export interface Reply {
  status: number;
  body: string;
}

/** Largest response head (status line and headers) accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Largest chunk-size line (hex size, extensions) or trailer section accepted in a chunked body. */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

interface Job {
  head: string;
  body: Buffer[];
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  retried: boolean;
}

const enum State {
  Head, // reading the status line and headers
  Length, // body by content-length
  ChunkSize, // chunked: reading a chunk-size line
  ChunkData, // chunked: chunk data
  ChunkDataEnd, // chunked: the CRLF after chunk data
  Trailers, // chunked: trailer section after the last chunk
  UntilClose, // body delimited by the connection's close
}

/** One keep-alive connection and the response parser for the request in flight on it. */
class Conn {
  job: Job | undefined;
  /** A response was completed on it (so a request written to it went out on an idle, reused connection). */
  reused = false;
  /** Any byte of the current request's response arrived. */
  gotBytes = false;
  dead = false;
  state = State.Head;
  /** Head bytes (or a partial chunk line / trailers) kept across TCP chunks. */
  pending: Buffer | undefined;
  status = 0;
  remaining = 0;
  keepAlive = true;
  bodyParts: Buffer[] = [];

  constructor(readonly socket: Socket) {}

  /** Takes up to `remaining` body bytes of `d` from `off`; returns the offset after them. */
  takeBody(d: Buffer, off: number): number {
    const n = Math.min(this.remaining, d.length - off);
    this.bodyParts.push(d.subarray(off, off + n));
    this.remaining -= n;
    return off + n;
  }

  resetParser(): void {
    this.state = State.Head;
    this.pending = undefined;
    this.status = 0;
    this.remaining = 0;
    this.keepAlive = true;
    this.bodyParts = [];
    this.gotBytes = false;
  }
}

class ProtocolError extends Error {}

export class Sender {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly maxSockets: number;
  /** Idle connections, most recently used last (taken from the end: LIFO). */
  private readonly idle: Conn[] = [];
  /** Requests waiting for a connection (FIFO: `queue[queueHead..]`). */
  private queue: Job[] = [];
  private queueHead = 0;
  /** Open connections (idle or busy). */
  private readonly conns = new Set<Conn>();
  private closed = false;

  constructor(
    url: string,
    maxSockets: number,
    private readonly protocol: Protocol,
  ) {
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost' && u.hostname !== '::1' && u.hostname !== '[::1]') {
      throw new Error(`the fleet simulator talks to loopback only, not ${u.hostname}`);
    }
    if (u.protocol !== 'http:') throw new Error(`the fleet simulator speaks plain http only, not ${u.protocol}`);
    this.host = u.hostname === '[::1]' ? '::1' : u.hostname;
    this.port = Number(u.port || 80);
    this.hostHeader = u.port ? `${u.hostname}:${u.port}` : u.hostname;
    this.maxSockets = Math.max(1, Math.floor(maxSockets));
  }

  send(p: Push): Promise<Reply> {
    if (this.protocol === 'ingest') {
      let labels = '';
      for (const k in p.labels) labels += `${labels ? ',' : ''}${k}=${p.labels[k]}`;
      const name = encodeURIComponent(`${p.service}{${labels}}`);
      return this.post(`/ingest?name=${name}&from=${p.second}&until=${p.second + 10}&format=pprof`, 'application/octet-stream', [p.gz, timeMember(p.second)]);
    }
    const message = encodePushRequest({
      series: [
        {
          labels: [{ name: '__name__', value: 'process_cpu' }, { name: 'service_name', value: p.service }, ...Object.entries(p.labels).map(([name, value]) => ({ name, value }))],
          samples: [{ rawProfile: Buffer.concat([p.gz, timeMember(p.second)]), ID: '' }],
        },
      ],
    });
    return this.post('/push.v1.PusherService/Push', 'application/proto', [Buffer.from(message.buffer, message.byteOffset, message.byteLength)]);
  }

  /** Destroys every connection; requests in flight or queued are rejected. */
  close(): void {
    this.closed = true;
    const err = new Error('sender closed');
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i].reject(err);
    this.queue = [];
    this.queueHead = 0;
    this.idle.length = 0;
    for (const c of [...this.conns]) this.fail(c, err);
  }

  private post(path: string, contentType: string, body: Buffer[]): Promise<Reply> {
    let length = 0;
    for (const b of body) length += b.length;
    const head = `POST ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\ncontent-type: ${contentType}\r\ncontent-length: ${length}\r\n\r\n`;
    return new Promise<Reply>((resolve, reject) => {
      if (this.closed) return reject(new Error('sender closed'));
      this.dispatch({ head, body, resolve, reject, retried: false });
    });
  }

  /** Starts a job on an idle connection, on a new one (below the cap), or queues it. */
  private dispatch(job: Job): void {
    let c: Conn | undefined;
    while ((c = this.idle.pop()) && (c.dead || c.socket.destroyed || !c.socket.writable)) this.discard(c);
    if (c) return this.write(c, job);
    if (this.conns.size < this.maxSockets) return this.write(this.open(), job);
    this.queue.push(job);
  }

  private open(): Conn {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    const c = new Conn(socket);
    this.conns.add(c);
    socket.on('data', (d: Buffer) => this.onData(c, d));
    socket.on('end', () => this.onEnd(c));
    socket.on('error', (e: Error) => this.fail(c, e));
    socket.on('close', () => this.fail(c, new Error('connection closed before the response was complete')));
    return c;
  }

  private write(c: Conn, job: Job): void {
    c.job = job;
    c.resetParser();
    const s = c.socket;
    s.cork();
    s.write(job.head, 'latin1');
    for (const b of job.body) if (b.length) s.write(b);
    s.uncork();
  }

  private onData(c: Conn, d: Buffer): void {
    if (c.dead) return;
    if (!c.job) {
      // Bytes with no request in flight: the connection is out of step; drop it.
      this.fail(c, new ProtocolError('unexpected bytes from the server with no request in flight'));
      return;
    }
    c.gotBytes = true;
    try {
      this.parse(c, d);
    } catch (e) {
      this.fail(c, e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Feeds response bytes to the parser of the connection's request; completes the request when its body ends. */
  private parse(c: Conn, d: Buffer): void {
    let off = 0;
    while (off < d.length || c.state === State.Head) {
      switch (c.state) {
        case State.Head: {
          const buf = c.pending ? Buffer.concat([c.pending, d.subarray(off)]) : d.subarray(off);
          const end = buf.indexOf(CRLFCRLF);
          if (end < 0) {
            if (buf.length > MAX_HEAD_BYTES) throw new ProtocolError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
            c.pending = buf.length ? Buffer.from(buf) : undefined; // a copy: `d` may be reused by the stream
            return;
          }
          const consumed = end + 4 - (c.pending?.length ?? 0);
          this.parseHead(c, buf.toString('latin1', 0, end));
          c.pending = undefined;
          off += consumed;
          if (c.state === State.Head) continue; // 1xx interim response: the real one follows
          if (c.state === State.Length && c.remaining === 0) return this.complete(c, d.length - off);
          break;
        }
        case State.Length: {
          off = c.takeBody(d, off);
          if (c.remaining === 0) return this.complete(c, d.length - off);
          break;
        }
        case State.ChunkSize:
        case State.Trailers: {
          const buf = c.pending ? Buffer.concat([c.pending, d.subarray(off)]) : d.subarray(off);
          const trailers = c.state === State.Trailers;
          // The chunk-size line ends at CRLF; the trailer section ends at an empty line (CRLF right at its start, or
          // CRLFCRLF after trailer fields).
          const end = trailers ? (buf[0] === 13 && buf[1] === 10 ? 0 : buf.indexOf(CRLFCRLF)) : buf.indexOf('\r\n', 0, 'latin1');
          if (end < 0) {
            if (buf.length > MAX_CHUNK_LINE_BYTES) throw new ProtocolError(`chunk-size line or trailers larger than ${MAX_CHUNK_LINE_BYTES} bytes`);
            c.pending = Buffer.from(buf);
            return;
          }
          const lineEnd = trailers ? (end === 0 ? 2 : end + 4) : end + 2;
          const consumed = lineEnd - (c.pending?.length ?? 0);
          const line = buf.toString('latin1', 0, end);
          c.pending = undefined;
          off += consumed;
          if (trailers) return this.complete(c, d.length - off);
          const m = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
          if (!m) throw new ProtocolError(`bad chunk-size line ${JSON.stringify(line.slice(0, 40))}`);
          const size = parseInt(m[1], 16);
          if (size === 0) c.state = State.Trailers;
          else {
            c.remaining = size;
            c.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          off = c.takeBody(d, off);
          if (c.remaining === 0) {
            c.state = State.ChunkDataEnd;
            c.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data, possibly split across TCP chunks.
          while (c.remaining > 0 && off < d.length) {
            if (d[off] !== (c.remaining === 2 ? 13 : 10)) throw new ProtocolError('chunk data not followed by CRLF');
            off++;
            c.remaining--;
          }
          if (c.remaining === 0) c.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          c.bodyParts.push(d.subarray(off));
          off = d.length;
          break;
      }
    }
  }

  /** Parses the status line and headers; sets the body state. */
  private parseHead(c: Conn, head: string): void {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]);
    if (!m) throw new ProtocolError(`bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    const status = Number(m[2]);
    let sawClose = false;
    let sawKeepAlive = false;
    let contentLength = -1;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ProtocolError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) throw new ProtocolError(`bad content-length ${JSON.stringify(value)}`);
        const n = Number(value);
        if (contentLength >= 0 && contentLength !== n) throw new ProtocolError('conflicting content-length headers');
        contentLength = n;
      } else if (name === 'transfer-encoding') {
        const codings = value.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
        if (codings.length !== 1 || codings[0] !== 'chunked') throw new ProtocolError(`unsupported transfer-encoding ${JSON.stringify(value)}`);
        chunked = true;
      } else if (name === 'connection') {
        for (const t of value.toLowerCase().split(',')) {
          const token = t.trim();
          if (token === 'close') sawClose = true;
          else if (token === 'keep-alive') sawKeepAlive = true;
        }
      }
    }
    if (status >= 100 && status < 200) {
      if (status === 101) throw new ProtocolError('unexpected 101 Switching Protocols');
      return; // interim (100 Continue, 103 Early Hints): stay in State.Head for the final response
    }
    c.status = status;
    // HTTP/1.1 connections persist unless either side says close; HTTP/1.0 ones only with keep-alive.
    c.keepAlive = !sawClose && (m[1] === '1' || sawKeepAlive);
    if (status === 204 || status === 304) {
      c.state = State.Length;
      c.remaining = 0;
    } else if (chunked) {
      // RFC 9112 §6.3: transfer-encoding overrides content-length; such a message must not be reused.
      if (contentLength >= 0) c.keepAlive = false;
      c.state = State.ChunkSize;
    } else if (contentLength >= 0) {
      c.state = State.Length;
      c.remaining = contentLength;
    } else {
      c.state = State.UntilClose;
      c.keepAlive = false;
    }
  }

  /** The response is complete: resolve, then reuse the connection or close it. */
  private complete(c: Conn, leftover: number): void {
    const job = c.job!;
    const parts = c.bodyParts;
    const body = parts.length === 0 ? '' : parts.length === 1 ? parts[0].toString('utf8') : Buffer.concat(parts).toString('utf8');
    const status = c.status;
    const keepAlive = c.keepAlive;
    c.job = undefined;
    c.reused = true;
    c.resetParser();
    job.resolve({ status, body });
    if (leftover > 0) {
      this.fail(c, new ProtocolError('bytes after the response with no request in flight'));
      return;
    }
    if (!keepAlive || this.closed) {
      this.discard(c);
      return;
    }
    this.release(c);
  }

  /** A free connection takes the next queued request, or waits in the idle list. */
  private release(c: Conn): void {
    if (this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead++];
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.write(c, job);
    } else this.idle.push(c);
  }

  /** Server's FIN: a body delimited by the close ends here; anything else in flight failed. */
  private onEnd(c: Conn): void {
    if (c.job && c.state === State.UntilClose) {
      c.keepAlive = false;
      this.complete(c, 0);
      return;
    }
    this.fail(c, new Error('connection closed before the response was complete'));
  }

  /** Closes a connection with no request in flight, and lets a queued request open a new one in its place. */
  private discard(c: Conn): void {
    this.drop(c);
    this.refill();
  }

  private drop(c: Conn): void {
    if (c.dead) return;
    c.dead = true;
    this.conns.delete(c);
    c.socket.destroy();
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Opens connections for queued requests while below the cap. */
  private refill(): void {
    while (!this.closed && this.queueHead < this.queue.length && this.conns.size < this.maxSockets) this.release(this.open());
  }

  /**
   * The connection failed or closed. Its request (if any) is retried once on a fresh connection when it had gone out
   * on a reused idle connection and nothing of the response had arrived (the keep-alive race); otherwise rejected.
   */
  private fail(c: Conn, err: Error): void {
    if (c.dead) return;
    const job = c.job;
    const race = job !== undefined && c.reused && !c.gotBytes && !job.retried && !(err instanceof ProtocolError);
    c.job = undefined;
    this.drop(c);
    if (job && race && !this.closed) {
      // The slot `c` held is free, so a fresh connection stays within the cap.
      job.retried = true;
      this.write(this.open(), job);
    } else if (job) job.reject(err);
    this.refill();
  }
}
