/**
 * The bus envelope: one NormalizedProfile ⇄ the bytes of `hotpath.bus.v1.NormalizedProfile`
 * (schemas/hotpath/bus/v1/profile.proto, which explains the layout). The gateway encodes every profile it
 * publishes, the aggregator decodes every one it consumes, so both run thousands of times per second.
 *
 * The codec is written by hand against the .proto instead of going through protobufjs' reflection:
 * - encoding sizes everything first and writes once into an exact-size buffer (no growth, no copies); frame names
 *   are interned into the per-message string table (one hash lookup per frame, skipped for the prefix a stack
 *   shares with the previous one);
 * - decoding creates one string per distinct frame name and one array per stack — never an object per frame —
 *   and reads 64-bit ids and values exactly (no Long objects; ids go straight to decimal strings, values must be
 *   safe integers).
 * At module load the field numbers and types used here are checked against the loaded .proto, so the two cannot
 * drift apart unnoticed; the tests cross-check bytes both ways with protobufjs.
 *
 * decodeProfile throws EnvelopeError (never anything else) for bytes it cannot decode, a schema_version it does not
 * know, or values it cannot represent; the aggregator dead-letters such messages with the error's message.
 */
import type protobuf from 'protobufjs';
import { BusProfile } from '../../schemas/index.ts';
import type { Labels, NormalizedProfile, ProfileType, Stack } from '../profile/model.ts';

/** The bus layout this build writes and the only one it reads. */
export const BUS_SCHEMA_VERSION = 1;

export type EnvelopeErrorReason = 'malformed' | 'unsupported_schema_version' | 'invalid_value';

/** A profile that cannot be put on the bus, or bus bytes that cannot be read back. */
export class EnvelopeError extends Error {
  /** Machine-readable cause (dead-letter metrics): bad bytes, unknown layout version, or an unrepresentable value. */
  readonly reason: EnvelopeErrorReason;

  constructor(reason: EnvelopeErrorReason, message: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.reason = reason;
  }
}

// ---- the layout (hotpath.bus.v1), checked against the .proto below ----

const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_I32 = 5;

// NormalizedProfile
const P_VERSION = 1;
const P_TENANT = 2;
const P_TYPE = 3;
const P_LABELS = 4;
const P_FINGERPRINT = 5;
const P_TIME_MS = 6;
const P_DURATION = 7;
const P_FRAME_NAMES = 8;
const P_STACKS = 9;
const P_INGEST_ID = 10;
// ProfileType
const T_ID = 1;
const T_NAME = 2;
const T_SAMPLE_TYPE = 3;
const T_SAMPLE_UNIT = 4;
const T_PERIOD_TYPE = 5;
const T_PERIOD_UNIT = 6;
// Stack
const S_ID = 1;
const S_FRAMES = 2;
const S_VALUE = 3;
// map entry
const M_KEY = 1;
const M_VALUE = 2;

const tag = (field: number, wireType: number) => (field << 3) | wireType;
const TAG_VERSION = tag(P_VERSION, WT_VARINT);
const TAG_TENANT = tag(P_TENANT, WT_LEN);
const TAG_TYPE = tag(P_TYPE, WT_LEN);
const TAG_LABELS = tag(P_LABELS, WT_LEN);
const TAG_FINGERPRINT = tag(P_FINGERPRINT, WT_I64);
const TAG_TIME_MS = tag(P_TIME_MS, WT_VARINT);
const TAG_DURATION = tag(P_DURATION, WT_VARINT);
const TAG_FRAME_NAME = tag(P_FRAME_NAMES, WT_LEN);
const TAG_STACK = tag(P_STACKS, WT_LEN);
const TAG_INGEST_ID = tag(P_INGEST_ID, WT_LEN);
const TAG_S_ID = tag(S_ID, WT_I64);
const TAG_S_FRAMES_PACKED = tag(S_FRAMES, WT_LEN);
const TAG_S_FRAMES_ONE = tag(S_FRAMES, WT_VARINT);
const TAG_S_VALUE = tag(S_VALUE, WT_VARINT);
const TAG_M_KEY = tag(M_KEY, WT_LEN);
const TAG_M_VALUE = tag(M_VALUE, WT_LEN);

/**
 * Throws if `type` (hotpath.bus.v1.NormalizedProfile as loaded from the .proto) no longer says what this codec
 * writes. Run at module load, so a .proto edit without a codec edit fails every process at start, not on the bus.
 */
export function checkBusLayout(type: protobuf.Type): void {
  const expect = (t: protobuf.Type, name: string, id: number, kind: string, repeated: boolean) => {
    const f = t.fields[name];
    if (!f || f.id !== id || f.type !== kind || f.repeated !== repeated) {
      const got = f ? `${f.repeated ? 'repeated ' : ''}${f.type} = ${f.id}` : 'missing';
      throw new Error(`lib/bus/envelope.ts expects ${t.fullName}.${name} as ${repeated ? 'repeated ' : ''}${kind} = ${id}; the .proto has ${got}`);
    }
    return f;
  };
  expect(type, 'schemaVersion', P_VERSION, 'uint32', false);
  expect(type, 'tenant', P_TENANT, 'string', false);
  const typeField = expect(type, 'type', P_TYPE, 'ProfileType', false);
  const labels = expect(type, 'labels', P_LABELS, 'string', false);
  if (!labels.map || (labels as unknown as protobuf.MapField).keyType !== 'string') throw new Error(`lib/bus/envelope.ts expects ${type.fullName}.labels as map<string, string>`);
  expect(type, 'fingerprint', P_FINGERPRINT, 'fixed64', false);
  expect(type, 'timeMs', P_TIME_MS, 'int64', false);
  expect(type, 'durationNanos', P_DURATION, 'int64', false);
  expect(type, 'frameNames', P_FRAME_NAMES, 'string', true);
  const stacks = expect(type, 'stacks', P_STACKS, 'Stack', true);
  expect(type, 'ingestId', P_INGEST_ID, 'string', false);
  const pt = typeField.resolve().resolvedType as protobuf.Type;
  expect(pt, 'id', T_ID, 'string', false);
  expect(pt, 'name', T_NAME, 'string', false);
  expect(pt, 'sampleType', T_SAMPLE_TYPE, 'string', false);
  expect(pt, 'sampleUnit', T_SAMPLE_UNIT, 'string', false);
  expect(pt, 'periodType', T_PERIOD_TYPE, 'string', false);
  expect(pt, 'periodUnit', T_PERIOD_UNIT, 'string', false);
  const st = stacks.resolve().resolvedType as protobuf.Type;
  expect(st, 'id', S_ID, 'fixed64', false);
  expect(st, 'frames', S_FRAMES, 'uint32', true);
  expect(st, 'value', S_VALUE, 'sint64', false);
}
checkBusLayout(BusProfile);

// ---- 64-bit helpers (no BigInt, no Long: hi/lo 32-bit halves) ----

const TWO_32 = 4294967296;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Unsigned decimal of hi * 2^32 + lo. 2^32 = 429496 * 10^4 + 7296, so both partial sums stay below 2^53. */
function u64ToDecimal(hi: number, lo: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  let high = hi * 429496;
  let low = hi * 7296 + lo;
  high += Math.floor(low / 10000);
  low %= 10000;
  return String(high) + (low < 10 ? '000' : low < 100 ? '00' : low < 1000 ? '0' : '') + String(low);
}

/**
 * Decimal text of recently decoded stack ids, direct-mapped by the id's low bits. Stack ids are hashes (uniform
 * low bits) and an aggregator sees the same stacks of a service again in every profile, so most conversions become
 * two array reads; a slot holds the last id that mapped to it (bounded: ID_CACHE_SIZE strings).
 */
const ID_CACHE_SIZE = 1 << 14;
const idCacheHi = new Uint32Array(ID_CACHE_SIZE);
const idCacheLo = new Uint32Array(ID_CACHE_SIZE);
const idCacheText: (string | undefined)[] = new Array<string | undefined>(ID_CACHE_SIZE).fill(undefined);

function stackIdDecimal(hi: number, lo: number): string {
  const slot = lo & (ID_CACHE_SIZE - 1);
  const cached = idCacheText[slot];
  if (cached !== undefined && idCacheLo[slot] === lo && idCacheHi[slot] === hi) return cached;
  const text = u64ToDecimal(hi, lo);
  idCacheHi[slot] = hi;
  idCacheLo[slot] = lo;
  idCacheText[slot] = text;
  return text;
}

// Results of parseU64 / splitting a number (module-level so the hot loops allocate nothing).
let pHi = 0;
let pLo = 0;

/**
 * Canonical unsigned decimal (no sign, no leading zeros, at most 2^64 - 1) → pHi/pLo. Only canonical text is
 * accepted because only it survives the round trip unchanged. Returns false for anything else.
 */
function parseU64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20 || (n > 1 && s.charCodeAt(0) === 48)) return false;
  // Six digits at a time (the first chunk takes the remainder): lo * 10^6 + chunk < 2^32 * 10^6 < 2^53, so every
  // step is exact; hi must stay below 2^32 or the number is past 2^64 - 1.
  let hi = 0;
  let lo = 0;
  let i = 0;
  let end = n % 6 || 6;
  while (i < n) {
    let chunk = 0;
    let scale = 1;
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return false;
      chunk = chunk * 10 + d;
      scale *= 10;
    }
    const t = lo * scale + chunk;
    const carry = Math.floor(t / TWO_32);
    lo = t - carry * TWO_32;
    hi = hi * scale + carry;
    if (hi >= TWO_32) return false;
    end = i + 6;
  }
  pHi = hi;
  pLo = lo;
  return true;
}

// ---- encoding ----

function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function varint64Size(hi: number, lo: number): number {
  if (hi === 0) return varint32Size(lo);
  // 32 + 7k bits: hi needs ceil((bits(hi) + 32) / 7) bytes.
  return hi < 0x8 ? 5 : hi < 0x400 ? 6 : hi < 0x20000 ? 7 : hi < 0x1000000 ? 8 : hi < 0x80000000 ? 9 : 10;
}

/**
 * Node's native UTF-8 routines (Buffer.byteLength, utf8Write, utf8Slice): several times faster than JS loops on
 * frame names. Lone surrogates become U+FFFD (3 bytes), consistently in length and write.
 */
interface NodeBuffer extends Buffer {
  utf8Write(s: string, offset: number, length: number): number;
  utf8Slice(start: number, end: number): string;
}
const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Sets pHi/pLo to a safe integer's 64-bit two's complement. */
function splitInt64(v: number): void {
  if (v >= 0) {
    pLo = v >>> 0;
    pHi = (v - pLo) / TWO_32;
  } else {
    const a = -v;
    const lo = a >>> 0;
    const hi = (a - lo) / TWO_32;
    // -(a) = ~a + 1
    pLo = (~lo + 1) >>> 0;
    pHi = (~hi + (pLo === 0 ? 1 : 0)) >>> 0;
  }
}

/** Sets pHi/pLo to the zigzag encoding of a safe integer (sint64). */
function splitZigzag(v: number): void {
  const a = v < 0 ? -v : v;
  const lo = a >>> 0;
  const hi = (a - lo) / TWO_32;
  // (a << 1), minus 1 for negatives: zigzag(v) = 2v for v >= 0, 2|v| - 1 for v < 0.
  let zlo = (lo << 1) >>> 0;
  let zhi = ((hi << 1) | (lo >>> 31)) >>> 0;
  if (v < 0) {
    if (zlo === 0) {
      zlo = 0xffffffff;
      zhi = (zhi - 1) >>> 0;
    } else zlo -= 1;
  }
  pHi = zhi;
  pLo = zlo;
}

/** Writer over an exact-size buffer. */
class Out {
  pos = 0;
  constructor(readonly buf: NodeBuffer) {}

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  varint32(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  varint64(hi: number, lo: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  fixed64(hi: number, lo: number): void {
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = lo & 0xff;
    buf[pos + 1] = (lo >>> 8) & 0xff;
    buf[pos + 2] = (lo >>> 16) & 0xff;
    buf[pos + 3] = lo >>> 24;
    buf[pos + 4] = hi & 0xff;
    buf[pos + 5] = (hi >>> 8) & 0xff;
    buf[pos + 6] = (hi >>> 16) & 0xff;
    buf[pos + 7] = hi >>> 24;
    this.pos = pos + 8;
  }

  /** Writes `s` as UTF-8; `len` is its utf8Length. */
  utf8(s: string, len: number): void {
    if (len === 0) return;
    // Short ASCII (labels, units, tiny frame names) is cheaper to copy here than to cross into C++.
    if (len <= 16 && len === s.length) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
      return;
    }
    this.pos += this.buf.utf8Write(s, this.pos, len);
  }

  /** A length-delimited string field (tag, length, bytes). */
  stringField(tagByte: number, s: string, len: number): void {
    this.buf[this.pos++] = tagByte;
    this.varint32(len);
    this.utf8(s, len);
  }
}

/** Size of a string field: tag + length + bytes. */
const stringFieldSize = (len: number) => 1 + varint32Size(len) + len;

// Scratch space reused by every encode (encoding is synchronous, so calls never overlap). Grown on demand; its
// contents never outlive one call.
let frameIdx = new Uint32Array(16384); // every stack's frame indices, back to back
let stackBody = new Int32Array(1024); // Stack message body length, per stack
let stackPacked = new Int32Array(1024); // packed frames length, per stack
let stackIdHi = new Uint32Array(1024);
let stackIdLo = new Uint32Array(1024);
let stackValHi = new Uint32Array(1024); // zigzag value
let stackValLo = new Uint32Array(1024);
let nameLen = new Int32Array(4096); // UTF-8 length per frame name
const names: string[] = [];
const nameIndex = new Map<string, number>();

function ensureStackScratch(n: number): void {
  if (stackBody.length >= n) return;
  const size = Math.max(n, stackBody.length * 2);
  stackBody = new Int32Array(size);
  stackPacked = new Int32Array(size);
  stackIdHi = new Uint32Array(size);
  stackIdLo = new Uint32Array(size);
  stackValHi = new Uint32Array(size);
  stackValLo = new Uint32Array(size);
}

function ensureFrameScratch(n: number): void {
  if (frameIdx.length >= n) return;
  frameIdx = new Uint32Array(Math.max(n, frameIdx.length * 2));
}

function ensureNameScratch(n: number): void {
  if (nameLen.length >= n) return;
  nameLen = new Int32Array(Math.max(n, nameLen.length * 2));
}

function invalid(message: string): EnvelopeError {
  return new EnvelopeError('invalid_value', `cannot encode profile for the bus: ${message}`);
}

function checkSafeInteger(v: number, what: string): void {
  if (!Number.isSafeInteger(v)) throw invalid(`${what} ${v} is not a safe integer`);
}

/**
 * NormalizedProfile → bus bytes (a Buffer, which Kafka clients take as is). `meta.ingestId` travels with the
 * profile so the aggregator can recognise a client's retry. Throws EnvelopeError for values the layout cannot carry
 * exactly (ids that are not canonical unsigned 64-bit decimals, values that are not safe integers).
 */
export function encodeProfile(p: NormalizedProfile, meta?: { ingestId?: string }): Uint8Array {
  try {
    return encode(p, meta?.ingestId ?? '');
  } finally {
    // Forget this profile's strings: the table is per message (and must not pin the profile in memory).
    nameIndex.clear();
    names.length = 0;
  }
}

/**
 * `envelope` (encodeProfile's bytes, written without an ingest id) with `ingestId` added: the same bytes
 * encodeProfile(p, { ingestId }) writes, since the ingest id is the last field it writes. The gateway encodes a
 * profile where it decodes it (on a decode worker) and learns the request's ingest id only afterwards.
 */
export function appendIngestId(envelope: Uint8Array, ingestId: string): Buffer {
  const len = utf8Length(ingestId);
  if (len === 0) return Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const out = new Out(Buffer.allocUnsafe(envelope.length + stringFieldSize(len)) as NodeBuffer);
  out.buf.set(envelope, 0);
  out.pos = envelope.length;
  out.stringField(TAG_INGEST_ID, ingestId, len);
  return out.buf;
}

function encode(p: NormalizedProfile, ingestId: string): Uint8Array {
  if (typeof p.tenant !== 'string' || p.tenant === '') throw invalid('tenant is empty');
  const type = p.type;
  if (!type || typeof type.id !== 'string' || type.id === '') throw invalid('profile type id is empty');
  checkSafeInteger(p.timeMs, 'timeMs');
  checkSafeInteger(p.durationNanos, 'durationNanos');
  if (!parseU64(p.fingerprint)) throw invalid(`fingerprint ${JSON.stringify(p.fingerprint)} is not an unsigned 64-bit decimal`);
  const fpHi = pHi;
  const fpLo = pLo;

  // Pass 1: intern frame names, size every stack.
  const stacks = p.stacks;
  const nStacks = stacks.length;
  ensureStackScratch(nStacks);
  let frameCount = 0;
  for (let s = 0; s < nStacks; s++) frameCount += stacks[s]!.frames.length;
  ensureFrameScratch(frameCount);

  let stacksSize = 0;
  let k = 0; // next free slot in frameIdx
  let prevFrames: readonly string[] | null = null;
  let prevStart = 0;
  for (let s = 0; s < nStacks; s++) {
    const st = stacks[s]!;
    const frames = st.frames;
    const depth = frames.length;
    const start = k;
    let packed = 0;
    let j = 0;
    // A stack sharing a root-first prefix with the previous one copies those indices (no hash lookups).
    if (prevFrames !== null) {
      const limit = Math.min(depth, prevFrames.length);
      while (j < limit && frames[j] === prevFrames[j]) {
        const ix = frameIdx[prevStart + j]!;
        frameIdx[k++] = ix;
        packed += varint32Size(ix);
        j++;
      }
    }
    for (; j < depth; j++) {
      const name = frames[j]!;
      let ix = nameIndex.get(name);
      if (ix === undefined) {
        if (typeof name !== 'string') throw invalid(`stack ${s} frame ${j} is not a string`);
        ix = names.length;
        names.push(name);
        nameIndex.set(name, ix);
      }
      frameIdx[k++] = ix;
      packed += varint32Size(ix);
    }
    prevFrames = frames;
    prevStart = start;

    if (!parseU64(st.id)) throw invalid(`stack ${s} id ${JSON.stringify(st.id)} is not an unsigned 64-bit decimal`);
    stackIdHi[s] = pHi;
    stackIdLo[s] = pLo;
    const value = st.value;
    if (!Number.isSafeInteger(value)) throw invalid(`stack ${s} value ${value} is not a safe integer`);
    splitZigzag(value);
    stackValHi[s] = pHi;
    stackValLo[s] = pLo;

    // proto3 canonical form: fields holding their default (id 0, value 0, no frames) are not written.
    let body = stackIdHi[s] !== 0 || stackIdLo[s] !== 0 ? 9 : 0; // id: tag + fixed64
    if (depth > 0) body += 1 + varint32Size(packed) + packed;
    if (value !== 0) body += 1 + varint64Size(pHi, pLo);
    stackPacked[s] = packed;
    stackBody[s] = body;
    stacksSize += 1 + varint32Size(body) + body;
  }

  const nNames = names.length;
  ensureNameScratch(nNames);
  let namesSize = 0;
  for (let i = 0; i < nNames; i++) {
    const len = utf8Length(names[i]!);
    nameLen[i] = len;
    namesSize += stringFieldSize(len);
  }

  // The small fields.
  const tenantLen = utf8Length(p.tenant);
  const tId = utf8Length(type.id);
  const tName = utf8Length(type.name);
  const tSampleType = utf8Length(type.sampleType);
  const tSampleUnit = utf8Length(type.sampleUnit);
  const tPeriodType = utf8Length(type.periodType);
  const tPeriodUnit = utf8Length(type.periodUnit);
  const optStr = (len: number) => (len === 0 ? 0 : stringFieldSize(len));
  const typeSize = optStr(tId) + optStr(tName) + optStr(tSampleType) + optStr(tSampleUnit) + optStr(tPeriodType) + optStr(tPeriodUnit);

  const labelKeys = Object.keys(p.labels);
  const labelLens: number[] = new Array(labelKeys.length * 2);
  let labelsSize = 0;
  for (let i = 0; i < labelKeys.length; i++) {
    const key = labelKeys[i]!;
    const value = p.labels[key];
    if (typeof value !== 'string') throw invalid(`label ${JSON.stringify(key)} has a non-string value`);
    const kl = utf8Length(key);
    const vl = utf8Length(value);
    labelLens[2 * i] = kl;
    labelLens[2 * i + 1] = vl;
    const entry = stringFieldSize(kl) + stringFieldSize(vl);
    labelsSize += 1 + varint32Size(entry) + entry;
  }

  splitInt64(p.timeMs);
  const timeHi = pHi;
  const timeLo = pLo;
  splitInt64(p.durationNanos);
  const durHi = pHi;
  const durLo = pLo;
  const ingestLen = utf8Length(ingestId);

  const total =
    2 + // schema_version
    stringFieldSize(tenantLen) +
    1 + varint32Size(typeSize) + typeSize +
    labelsSize +
    (fpHi !== 0 || fpLo !== 0 ? 9 : 0) +
    (p.timeMs !== 0 ? 1 + varint64Size(timeHi, timeLo) : 0) +
    (p.durationNanos !== 0 ? 1 + varint64Size(durHi, durLo) : 0) +
    namesSize +
    stacksSize +
    (ingestLen !== 0 ? stringFieldSize(ingestLen) : 0);

  // Pass 2: write. schema_version first, so a reader meets it before anything it might misread.
  const out = new Out(Buffer.allocUnsafe(total) as NodeBuffer);
  out.byte(TAG_VERSION);
  out.byte(BUS_SCHEMA_VERSION);
  out.stringField(TAG_TENANT, p.tenant, tenantLen);
  out.byte(TAG_TYPE);
  out.varint32(typeSize);
  if (tId) out.stringField(tag(T_ID, WT_LEN), type.id, tId);
  if (tName) out.stringField(tag(T_NAME, WT_LEN), type.name, tName);
  if (tSampleType) out.stringField(tag(T_SAMPLE_TYPE, WT_LEN), type.sampleType, tSampleType);
  if (tSampleUnit) out.stringField(tag(T_SAMPLE_UNIT, WT_LEN), type.sampleUnit, tSampleUnit);
  if (tPeriodType) out.stringField(tag(T_PERIOD_TYPE, WT_LEN), type.periodType, tPeriodType);
  if (tPeriodUnit) out.stringField(tag(T_PERIOD_UNIT, WT_LEN), type.periodUnit, tPeriodUnit);
  for (let i = 0; i < labelKeys.length; i++) {
    const key = labelKeys[i]!;
    const kl = labelLens[2 * i]!;
    const vl = labelLens[2 * i + 1]!;
    out.byte(TAG_LABELS);
    out.varint32(stringFieldSize(kl) + stringFieldSize(vl));
    out.stringField(TAG_M_KEY, key, kl);
    out.stringField(TAG_M_VALUE, p.labels[key]!, vl);
  }
  if (fpHi !== 0 || fpLo !== 0) {
    out.byte(TAG_FINGERPRINT);
    out.fixed64(fpHi, fpLo);
  }
  if (p.timeMs !== 0) {
    out.byte(TAG_TIME_MS);
    out.varint64(timeHi, timeLo);
  }
  if (p.durationNanos !== 0) {
    out.byte(TAG_DURATION);
    out.varint64(durHi, durLo);
  }
  for (let i = 0; i < nNames; i++) out.stringField(TAG_FRAME_NAME, names[i]!, nameLen[i]!);
  k = 0;
  for (let s = 0; s < nStacks; s++) {
    out.byte(TAG_STACK);
    out.varint32(stackBody[s]!);
    if (stackIdHi[s] !== 0 || stackIdLo[s] !== 0) {
      out.byte(TAG_S_ID);
      out.fixed64(stackIdHi[s]!, stackIdLo[s]!);
    }
    const depth = stacks[s]!.frames.length;
    if (depth > 0) {
      out.byte(TAG_S_FRAMES_PACKED);
      out.varint32(stackPacked[s]!);
      for (const end = k + depth; k < end; k++) out.varint32(frameIdx[k]!);
    }
    if (stacks[s]!.value !== 0) {
      out.byte(TAG_S_VALUE);
      out.varint64(stackValHi[s]!, stackValLo[s]!);
    }
  }
  if (ingestLen !== 0) out.stringField(TAG_INGEST_ID, ingestId, ingestLen);
  if (out.pos !== total) throw new Error(`envelope size mismatch: wrote ${out.pos} of ${total} bytes`);
  return out.buf;
}

// ---- decoding ----

class Malformed extends Error {}

/** Reader over the message bytes; every read checks bounds and throws Malformed with the byte offset. */
class In {
  pos = 0;
  /** Results of varint64 / fixed64 reads. */
  hi = 0;
  lo = 0;
  readonly end: number;
  readonly buf: NodeBuffer;

  constructor(bytes: Uint8Array) {
    // A Buffer view of the same memory (no copy), for the native UTF-8 decoder.
    this.buf = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as NodeBuffer;
    this.end = bytes.length;
  }

  fail(what: string): never {
    throw new Malformed(`${what} at byte ${this.pos} of ${this.end}`);
  }

  /** A varint whose value must fit 32 bits (tags, lengths, indices, the version). */
  varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    const b = buf[pos++]!;
    if (b < 0x80 && pos <= this.end) {
      this.pos = pos;
      return b;
    }
    this.varint64();
    if (this.hi !== 0) this.fail('varint larger than 32 bits');
    return this.lo;
  }

  /** Any varint, into hi/lo. */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    // Bytes 1–4: low 28 bits.
    for (; shift < 28; shift += 7) {
      if (pos >= end) this.fail('truncated varint');
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    // Byte 5: 4 bits of lo, 3 of hi.
    if (pos >= end) this.fail('truncated varint');
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      // Bytes 6–10: the rest of hi (bits beyond 64 are dropped, as protobuf parsers do).
      for (shift = 3; ; shift += 7) {
        if (shift > 31) this.fail('varint longer than 10 bytes');
        if (pos >= end) this.fail('truncated varint');
        b = buf[pos++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  fixed64(): void {
    const buf = this.buf;
    const pos = this.pos;
    if (pos + 8 > this.end) this.fail('truncated fixed64');
    this.lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    this.hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
    this.pos = pos + 8;
  }

  /** Length of a length-delimited field; checks it fits. Leaves pos at the start of the payload. */
  length(): number {
    const len = this.varint32();
    if (len > this.end - this.pos) this.fail(`length ${len} runs past the end`);
    return len;
  }

  string(): string {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return this.utf8(start, start + len);
  }

  utf8(start: number, end: number): string {
    return start === end ? '' : this.buf.utf8Slice(start, end);
  }

  /** Skips a field of an unknown number (a newer writer's addition). */
  skip(tagValue: number): void {
    switch (tagValue & 7) {
      case WT_VARINT:
        this.varint64();
        return;
      case WT_I64:
        if (this.pos + 8 > this.end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WT_LEN: {
        const len = this.length();
        this.pos += len;
        return;
      }
      case WT_I32:
        if (this.pos + 4 > this.end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${tagValue & 7} (field ${tagValue >>> 3})`);
    }
  }

  /** int64 in hi/lo → number, or fails naming the field. */
  int64Number(what: string): number {
    const hi = this.hi;
    const lo = this.lo;
    if (hi & 0x80000000) {
      // Negative: magnitude = ~v + 1.
      const mlo = (~lo + 1) >>> 0;
      const mhi = (~hi + (mlo === 0 ? 1 : 0)) >>> 0;
      const m = mhi * TWO_32 + mlo;
      if (mhi >= 0x200000 || m > MAX_SAFE) throw rangeError(`${what} is below -(2^53 - 1)`);
      return -m;
    }
    if (hi >= 0x200000) throw rangeError(`${what} is above 2^53 - 1`);
    return hi * TWO_32 + lo;
  }
}

function rangeError(message: string): EnvelopeError {
  return new EnvelopeError('invalid_value', `bus message value out of range: ${message}`);
}

const FIELD_NAMES: Record<number, string> = {
  [P_VERSION]: 'schema_version',
  [P_TENANT]: 'tenant',
  [P_TYPE]: 'type',
  [P_LABELS]: 'labels',
  [P_FINGERPRINT]: 'fingerprint',
  [P_TIME_MS]: 'time_ms',
  [P_DURATION]: 'duration_nanos',
  [P_FRAME_NAMES]: 'frame_names',
  [P_STACKS]: 'stacks',
  [P_INGEST_ID]: 'ingest_id',
};

/**
 * Fails on a top-level tag no reader reads: field number 0, or a known field with another wire type. Any other
 * tag is a newer writer's field, which the caller skips.
 */
function refuseUnreadable(r: In, t: number): void {
  const field = t >>> 3;
  if (field === 0) r.fail('field number 0');
  const known = FIELD_NAMES[field];
  if (known !== undefined) r.fail(`field ${known} (${field}) has wire type ${t & 7}`);
}

/** The top-level tags decodeProfile reads (field and wire type), for peekProfile's checks. */
const TOP_LEVEL_TAGS = new Set([TAG_VERSION, TAG_TENANT, TAG_TYPE, TAG_LABELS, TAG_FINGERPRINT, TAG_TIME_MS, TAG_DURATION, TAG_FRAME_NAME, TAG_STACK, TAG_INGEST_ID]);

/** Byte ranges [start, end) of repeated fields within one message, in order; reused from message to message. */
class Spans {
  count = 0;
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);

  add(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

// Where each stack message lies, collected first so frame_names may come before or after the stacks.
const stackSpans = new Spans();
// Where each frame name lies: a name becomes a string only when a stack whose frames are read refers to it.
const nameSpans = new Spans();

/**
 * The frames of a stack decodeProfile was told not to read (`framesFor` said no): shared, empty and frozen, so
 * it cannot be mistaken for a real stack's frames (a real stack has at least one frame) nor written to.
 */
export const FRAMES_NOT_READ: readonly string[] = Object.freeze([]);

/**
 * Bus bytes → the profile and its ingest id (absent when the publisher gave none). Throws EnvelopeError naming the
 * problem for anything else: bytes that are not a bus profile, a schema_version this build does not read, a stack
 * pointing past the frame table, or a 64-bit value that does not fit a JS number exactly.
 */
export function decodeProfile(bytes: Uint8Array, framesFor?: (tenant: string, stackId: string) => boolean): { profile: NormalizedProfile; ingestId?: string } {
  if (!(bytes instanceof Uint8Array)) throw new EnvelopeError('malformed', `undecodable bus message: expected bytes, got ${typeof bytes}`);
  try {
    return decode(new In(bytes), framesFor);
  } catch (err) {
    if (err instanceof EnvelopeError) throw err;
    if (err instanceof Malformed) throw new EnvelopeError('malformed', `undecodable bus message: ${err.message}`);
    throw new EnvelopeError('malformed', `undecodable bus message (${bytes.length} bytes): ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decode(r: In, framesFor: ((tenant: string, stackId: string) => boolean) | undefined): { profile: NormalizedProfile; ingestId?: string } {
  let version = -1;
  let tenant = '';
  const type: ProfileType = { id: '', name: '', sampleType: '', sampleUnit: '', periodType: '', periodUnit: '' };
  const labels: Labels = {};
  let fingerprint = '0';
  let timeMs = 0;
  let durationNanos = 0;
  stackSpans.count = 0;
  nameSpans.count = 0;
  let ingestId = '';

  while (r.pos < r.end) {
    const t = r.varint32();
    switch (t) {
      case TAG_VERSION:
        r.varint64();
        version = r.hi === 0 ? r.lo : -1;
        if (version !== BUS_SCHEMA_VERSION) throw unsupportedVersion(r.hi === 0 ? String(r.lo) : 'beyond 32 bits');
        break;
      case TAG_TENANT:
        tenant = r.string();
        break;
      case TAG_TYPE: {
        const len = r.length();
        const end = r.pos + len;
        readType(r, end, type);
        break;
      }
      case TAG_LABELS: {
        const len = r.length();
        const end = r.pos + len;
        readLabel(r, end, labels);
        break;
      }
      case TAG_FINGERPRINT:
        r.fixed64();
        fingerprint = u64ToDecimal(r.hi, r.lo);
        break;
      case TAG_TIME_MS:
        r.varint64();
        timeMs = r.int64Number('time_ms');
        break;
      case TAG_DURATION:
        r.varint64();
        durationNanos = r.int64Number('duration_nanos');
        break;
      case TAG_FRAME_NAME:
      case TAG_STACK: {
        const len = r.length();
        (t === TAG_STACK ? stackSpans : nameSpans).add(r.pos, r.pos + len);
        r.pos += len;
        break;
      }
      case TAG_INGEST_ID:
        ingestId = r.string();
        break;
      default:
        refuseUnreadable(r, t);
        r.skip(t);
    }
  }

  if (version === -1) throw unsupportedVersion('missing (0)');
  if (tenant === '') throw new EnvelopeError('malformed', 'undecodable bus message: tenant is empty');
  if (type.id === '') throw new EnvelopeError('malformed', 'undecodable bus message: profile type id is empty');

  const nStacks = stackSpans.count;
  const nNames = nameSpans.count;
  const stacks: Stack[] = new Array(nStacks);
  const frameNames: (string | undefined)[] = new Array(nNames);
  const nameOf = (ix: number): string => frameNames[ix] ?? (frameNames[ix] = r.utf8(nameSpans.starts[ix]!, nameSpans.ends[ix]!));
  for (let s = 0; s < nStacks; s++) {
    const end = stackSpans.ends[s]!;
    r.pos = stackSpans.starts[s]!;
    let idHi = 0;
    let idLo = 0;
    let value = 0;
    let frames: string[] | null = null;
    // Frames are read unless the caller says it has them; indices are checked either way.
    let skip = false;
    if (framesFor !== undefined) {
      // The id comes first in canonical bytes; read ahead for it when it does not.
      const at = r.pos;
      try {
        while (r.pos < end) {
          const t = r.varint32();
          if (t === TAG_S_ID) {
            r.fixed64();
            idHi = r.hi;
            idLo = r.lo;
            break;
          }
          if (t >>> 3 === 0) break;
          r.skip(t);
        }
      } catch {
        // Bad bytes: the full read below names the problem.
      }
      r.pos = at;
      skip = !framesFor(tenant, stackIdDecimal(idHi, idLo));
    }
    let depth = 0;
    while (r.pos < end) {
      const t = r.varint32();
      if (t === TAG_S_FRAMES_PACKED) {
        const flen = r.length();
        const fend = r.pos + flen;
        if (fend > end) r.fail(`stack ${s} frames run past the stack`);
        const buf = r.buf;
        if (frames === null && !skip) frames = [];
        while (r.pos < fend) {
          // Indices below 128 are one byte: read them inline.
          const b = buf[r.pos]!;
          let ix: number;
          if (b < 0x80) {
            ix = b;
            r.pos++;
          } else ix = r.varint32();
          if (ix >= nNames) throw badIndex(s, depth, ix, nNames);
          if (!skip) frames!.push(nameOf(ix));
          depth++;
        }
        if (r.pos !== fend) r.fail(`stack ${s} frames overrun their length`);
      } else if (t === TAG_S_ID) {
        r.fixed64();
        idHi = r.hi;
        idLo = r.lo;
      } else if (t === TAG_S_VALUE) {
        r.varint64();
        value = zigzagNumber(r.hi, r.lo, s);
      } else if (t === TAG_S_FRAMES_ONE) {
        const ix = r.varint32();
        if (frames === null && !skip) frames = [];
        if (ix >= nNames) throw badIndex(s, depth, ix, nNames);
        if (!skip) frames!.push(nameOf(ix));
        depth++;
      } else {
        const field = t >>> 3;
        if (field === 0) r.fail(`stack ${s}: field number 0`);
        if (field === S_ID || field === S_FRAMES || field === S_VALUE) r.fail(`stack ${s}: field ${field} has wire type ${t & 7}`);
        r.skip(t);
      }
    }
    if (r.pos !== end) r.fail(`stack ${s} overruns its length`);
    stacks[s] = { id: stackIdDecimal(idHi, idLo), frames: skip ? (FRAMES_NOT_READ as string[]) : (frames ?? []), value };
  }

  const profile: NormalizedProfile = { tenant, type, labels, fingerprint, timeMs, durationNanos, stacks };
  return ingestId === '' ? { profile } : { profile, ingestId };
}

/**
 * What the aggregator reads of a message at delivery, before it knows whether to merge it: its tenant, ingest id
 * and stack count. Walks the top level only (every other field is skipped, nothing else is decoded), so holding
 * the message's bytes until its batch's ingest-id lookup costs no decoded profile kept alive meanwhile. Throws
 * EnvelopeError as decodeProfile does for bytes it cannot walk or a schema_version it does not read; a message
 * that passes may still fail decodeProfile (a bad stack inside), which the caller must handle then.
 */
export function peekProfile(bytes: Uint8Array): { tenant: string; ingestId?: string; stackCount: number } {
  if (!(bytes instanceof Uint8Array)) throw new EnvelopeError('malformed', `undecodable bus message: expected bytes, got ${typeof bytes}`);
  try {
    const r = new In(bytes);
    let version = -1;
    let tenant = '';
    let ingestId = '';
    let stackCount = 0;
    while (r.pos < r.end) {
      const t = r.varint32();
      if (t === TAG_VERSION) {
        r.varint64();
        version = r.hi === 0 ? r.lo : -1;
        if (version !== BUS_SCHEMA_VERSION) throw unsupportedVersion(r.hi === 0 ? String(r.lo) : 'beyond 32 bits');
      } else if (t === TAG_TENANT) tenant = r.string();
      else if (t === TAG_INGEST_ID) ingestId = r.string();
      else {
        if (t === TAG_STACK) stackCount++;
        else if (!TOP_LEVEL_TAGS.has(t)) refuseUnreadable(r, t);
        r.skip(t);
      }
    }
    if (version === -1) throw unsupportedVersion('missing (0)');
    if (tenant === '') throw new EnvelopeError('malformed', 'undecodable bus message: tenant is empty');
    return ingestId === '' ? { tenant, stackCount } : { tenant, ingestId, stackCount };
  } catch (err) {
    if (err instanceof EnvelopeError) throw err;
    if (err instanceof Malformed) throw new EnvelopeError('malformed', `undecodable bus message: ${err.message}`);
    throw new EnvelopeError('malformed', `undecodable bus message (${bytes.length} bytes): ${err instanceof Error ? err.message : String(err)}`);
  }
}

function unsupportedVersion(got: string): EnvelopeError {
  return new EnvelopeError('unsupported_schema_version', `unsupported bus message schema_version ${got}: this build reads version ${BUS_SCHEMA_VERSION}`);
}

function badIndex(stack: number, frame: number, ix: number, nNames: number): EnvelopeError {
  return new EnvelopeError('malformed', `undecodable bus message: stack ${stack} frame ${frame} refers to frame name ${ix}, but the table has ${nNames}`);
}

/** sint64 in hi/lo → number (zigzag: n = (z >>> 1) ^ -(z & 1)), or fails. */
function zigzagNumber(hi: number, lo: number, stack: number): number {
  const m = (hi >>> 1) * TWO_32 + (((lo >>> 1) | (hi << 31)) >>> 0);
  if (lo & 1) {
    // -(m) - 1
    if (m > MAX_SAFE - 1) throw rangeError(`stack ${stack} value is below -(2^53 - 1)`);
    return -m - 1;
  }
  if (m > MAX_SAFE) throw rangeError(`stack ${stack} value is above 2^53 - 1`);
  return m;
}

function readType(r: In, end: number, type: ProfileType): void {
  while (r.pos < end) {
    const t = r.varint32();
    if ((t & 7) === WT_LEN && t >>> 3 >= T_ID && t >>> 3 <= T_PERIOD_UNIT) {
      const s = r.string();
      switch (t >>> 3) {
        case T_ID:
          type.id = s;
          break;
        case T_NAME:
          type.name = s;
          break;
        case T_SAMPLE_TYPE:
          type.sampleType = s;
          break;
        case T_SAMPLE_UNIT:
          type.sampleUnit = s;
          break;
        case T_PERIOD_TYPE:
          type.periodType = s;
          break;
        default:
          type.periodUnit = s;
      }
    } else {
      const field = t >>> 3;
      if (field === 0) r.fail('type: field number 0');
      if (field >= T_ID && field <= T_PERIOD_UNIT) r.fail(`type: field ${field} has wire type ${t & 7}`);
      r.skip(t);
    }
  }
  if (r.pos !== end) r.fail('type overruns its length');
}

function readLabel(r: In, end: number, labels: Labels): void {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const t = r.varint32();
    if (t === TAG_M_KEY) key = r.string();
    else if (t === TAG_M_VALUE) value = r.string();
    else {
      const field = t >>> 3;
      if (field === 0) r.fail('label: field number 0');
      if (field === M_KEY || field === M_VALUE) r.fail(`label: field ${field} has wire type ${t & 7}`);
      r.skip(t);
    }
  }
  if (r.pos !== end) r.fail('label overruns its length');
  // `__proto__` is a legal label name; plain assignment would set the prototype instead of a key.
  if (key === '__proto__') Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
  else labels[key] = value;
}
