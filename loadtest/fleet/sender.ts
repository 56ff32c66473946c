/**
 * How one simulated agent's push goes on the wire, as cheaply as possible for the simulator (it shares the machine
 * with the server it measures): node:http with keep-alive sockets, a variant's gzip bytes sent as built, and the
 * push time added as a second gzip member holding only pprof field 9 (time_nanos). Gunzip reads concatenated
 * members as one stream, so the server sees exactly what test/helpers/restamp.ts would produce (the variant's
 * fields, then time_nanos), without re-compressing the profile per request. Time members are cached per second.
 */
import { Agent, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { encodePushRequest } from '../../test/helpers/push-messages.ts';

export type Protocol = 'ingest' | 'push';

const timeMembers = new Map<number, Buffer>();

function varint(v: bigint): number[] {
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A gzip member carrying `time_nanos = second * 1e9` (field 9, varint). */
export function timeMember(second: number): Buffer {
  let m = timeMembers.get(second);
  if (!m) {
    m = gzipSync(Buffer.from([9 << 3, ...varint(BigInt(second) * 1_000_000_000n)]));
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

export class Sender {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    url: string,
    maxSockets: number,
    private readonly protocol: Protocol,
  ) {
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost' && u.hostname !== '::1') {
      throw new Error(`the fleet simulator talks to loopback only, not ${u.hostname}`);
    }
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(p: Push): Promise<Reply> {
    const body = Buffer.concat([p.gz, timeMember(p.second)]);
    if (this.protocol === 'ingest') {
      const labels = Object.entries(p.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const name = encodeURIComponent(`${p.service}{${labels}}`);
      return this.post(`/ingest?name=${name}&from=${p.second}&until=${p.second + 10}&format=pprof`, 'application/octet-stream', body);
    }
    const message = encodePushRequest({
      series: [
        {
          labels: [{ name: '__name__', value: 'process_cpu' }, { name: 'service_name', value: p.service }, ...Object.entries(p.labels).map(([name, value]) => ({ name, value }))],
          samples: [{ rawProfile: body, ID: '' }],
        },
      ],
    });
    return this.post('/push.v1.PusherService/Push', 'application/proto', Buffer.from(message));
  }

  private post(path: string, contentType: string, body: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        { agent: this.agent, host: this.host, port: this.port, method: 'POST', path, headers: { 'content-type': contentType, 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
