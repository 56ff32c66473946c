/**
 * Time parameters, in the two dialects Hotpath speaks.
 *
 * Query API (`from`/`until`, api.md "Conventions"), strict: anything we cannot read exactly is refused, because a
 * silently wrong window returns plausible but wrong numbers.
 *   - unix time, all digits: 1–12 digits = seconds, 13 = milliseconds, 16 = microseconds, 19 = nanoseconds
 *     (16/19 are accepted so a value copied from an SDK's /ingest request means the same here); any other digit
 *     count is ambiguous and refused. No sign, no fraction.
 *   - RFC 3339: `2026-01-02T03:04:05Z`, `…05.123456789+02:00`; `T`/`Z` in either case; the offset is required;
 *     seconds 00–59 (no leap second, like Go); fractions beyond milliseconds are truncated.
 *   - `now`, or `now` ± one count and unit: `now-15m`, `now-1h`, `now-7d`, `now+5m`; units s, m, h, d, w.
 *     `now+…` is allowed (an `until` slightly ahead of the clock is harmless); no compound `1h30m`, no spaces.
 * Ingest (`parseIngestTime`) instead follows Pyroscope's attime exactly — lenient, refusing only results outside
 * JS Date's range — because the collectors that send it were written against that behaviour.
 */
import { HotpathError } from '../errors.ts';

/** JS Date's range: every result stays a representable instant (so callers may `new Date(ms).toISOString()`). */
const MAX_ABS_MS = 8.64e15;

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
const RELATIVE = /^now(?:([+-])(\d+)([smhdw]))?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
/** The same shape with a space where a `+` offset was: what an unencoded `+` becomes in a URL query string. */
const RFC3339_PLUS_DECODED = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)? \d{2}:\d{2}$/;

function invalid(value: string, why: string): HotpathError {
  return new HotpathError('invalid_time_range', `invalid time ${JSON.stringify(value)}: ${why}`);
}

function inRange(ms: number, value: string): number {
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_ABS_MS) throw invalid(value, 'out of the representable range');
  return ms;
}

/** Exact ms of an all-digit unix time by its length (BigInt: 19-digit nanoseconds exceed 2^53). */
function unixDigitsToMs(digits: string): bigint | undefined {
  const v = BigInt(digits);
  if (digits.length <= 12) return v * 1000n;
  if (digits.length === 13) return v;
  if (digits.length === 16) return v / 1000n;
  if (digits.length === 19) return v / 1000000n;
  return undefined;
}

function daysInMonth(y: number, month: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** UTC ms of a calendar date-time; setUTCFullYear because Date.UTC maps years 0–99 to 1900–1999. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

function parseRfc3339(value: string, m: RegExpExecArray): number {
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12) throw invalid(value, `month ${m[2]} out of range`);
  if (d < 1 || d > daysInMonth(y, mo)) throw invalid(value, `day ${m[3]} out of range`);
  if (h > 23 || mi > 59 || s > 59) throw invalid(value, 'time of day out of range');
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) throw invalid(value, 'UTC offset out of range');
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return inRange(utcMs(y, mo, d, h, mi, s, ms) - offsetMin * 60e3, value);
}

/**
 * One query-API time (see the header for the grammar). `value` undefined or blank → `fallback`, parsed the same
 * way (e.g. 'now-1h'). Returns ms since the epoch; refuses anything else with 'invalid_time_range'.
 */
export function parseQueryTime(value: string | undefined, nowMs: number, fallback: string): number {
  const v = value === undefined || value.trim() === '' ? fallback : value.trim();
  if (/^\d+$/.test(v)) {
    const ms = unixDigitsToMs(v);
    if (ms === undefined) {
      throw invalid(v, `${v.length} digits is ambiguous (unix seconds have up to 12 digits, ms 13, µs 16, ns 19)`);
    }
    return inRange(Number(ms), v);
  }
  const rel = RELATIVE.exec(v);
  if (rel) {
    const now = Math.trunc(nowMs);
    if (!rel[1]) return inRange(now, v);
    const offset = Number(rel[2]) * UNIT_MS[rel[3]!]!;
    return inRange(rel[1] === '-' ? now - offset : now + offset, v);
  }
  const iso = RFC3339.exec(v);
  if (iso) return parseRfc3339(v, iso);
  if (RFC3339_PLUS_DECODED.test(v)) {
    throw invalid(v, "a '+' in a URL query string decodes to a space: send the offset as %2B or use Z");
  }
  throw invalid(v, 'expected unix seconds/milliseconds, RFC 3339, now, or now-<n><s|m|h|d|w>');
}

/** A query window with api.md's defaults (from=now-1h, until=now); `from` must be strictly before `until`. */
export function parseRange(
  from: string | undefined,
  until: string | undefined,
  nowMs: number,
): { fromMs: number; untilMs: number } {
  const fromMs = parseQueryTime(from, nowMs, 'now-1h');
  const untilMs = parseQueryTime(until, nowMs, 'now');
  if (fromMs >= untilMs) {
    const show = (raw: string | undefined, dflt: string, ms: number) =>
      `${JSON.stringify(raw === undefined || raw.trim() === '' ? dflt : raw)} = ${new Date(ms).toISOString()}`;
    throw new HotpathError(
      'invalid_time_range',
      `from ${show(from, 'now-1h', fromMs)} must be before until ${show(until, 'now', untilMs)}`,
    );
  }
  return { fromMs, untilMs };
}

// ---- /ingest: Pyroscope's attime (pkg/og/util/attime) ----

const MAX_INT64 = 9223372036854775807n;

/** Go's strings.TrimSpace set (unicode.IsSpace); JS trim() differs (it keeps U+0085, drops U+FEFF). */
const GO_SPACE_EDGES = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Go's strconv.Atoi on an all-digit string: "" fails (→ 0 in attime); overflow saturates at MaxInt64. */
function goAtoi(digits: string): bigint {
  if (digits === '') return 0n;
  const v = BigInt(digits);
  return v > MAX_INT64 ? MAX_INT64 : v;
}

/** attime's unit table: prefix checks in this order, case-sensitive; anything else multiplies by 0. */
function unitSeconds(unit: string): bigint {
  if (unit.startsWith('s')) return 1n;
  if (unit.startsWith('mon') || unit.startsWith('M')) return 30n * 86400n;
  if (unit.startsWith('min') || unit.startsWith('m')) return 60n;
  if (unit.startsWith('h')) return 3600n;
  if (unit.startsWith('d')) return 86400n;
  if (unit.startsWith('w')) return 7n * 86400n;
  if (unit.startsWith('y')) return 365n * 86400n;
  return 0n;
}

/** `YYYYMMDD` accepted by Go's time.Parse("20060102") with year > 1900 → UTC midnight; else undefined. */
function yyyymmdd(s: string): number | undefined {
  const y = Number(s.slice(0, 4));
  const mo = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  if (y <= 1900 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  return utcMs(y, mo, d, 0, 0, 0, 0);
}

/**
 * `from`/`until` of POST /ingest, exactly as Pyroscope's attime.Parse (compat-details §1.2):
 * trim, drop every `_`, `,` and space; all digits → 8 digits forming a valid YYYYMMDD (year > 1900) is that date
 * at UTC midnight, else by length 13 = ms, 16 = µs, 19 = ns, any other length = seconds; otherwise the text is
 * `<ref><±offset>` where the ref is always now (`now-1h`, even `abc-1h`) and the offset is one digit run and a
 * unit (`s…`; `mon…`/`M…` 30 d; `min…`/`m…`; `h…`; `d…`; `w…`; `y…` 365 d; other units count 0 — so `now-1h30m`
 * is 1 h, `now-5` and garbage are now). Empty or absent → now. Never fails on text; a result outside JS Date's
 * range (Pyroscope would overflow there) is 'invalid_time_range'. Sub-millisecond parts are truncated.
 */
export function parseIngestTime(value: string | undefined, nowMs: number): number {
  const raw = value ?? '';
  const s = raw.replace(GO_SPACE_EDGES, '').replace(/[_, ]/g, '');
  let ms: bigint;
  if (/^\d+$/.test(s)) {
    const date = s.length === 8 ? yyyymmdd(s) : undefined;
    if (date !== undefined) return date;
    const v = goAtoi(s);
    ms = s.length === 13 ? v : s.length === 16 ? v / 1000n : s.length === 19 ? v / 1000000n : v * 1000n;
  } else {
    // The reference is everything before the first '+' (or else the first '-'); attime ignores it.
    const at = s.indexOf('+') !== -1 ? s.indexOf('+') : s.indexOf('-');
    let offsetSec = 0n;
    if (at !== -1 && at + 1 < s.length) {
      const rest = s.slice(at + 1);
      const digits = /^\d*/.exec(rest)![0];
      const sign = s[at] === '-' ? -1n : 1n;
      offsetSec = sign * goAtoi(digits) * unitSeconds(rest.slice(digits.length));
    }
    ms = BigInt(Math.trunc(nowMs)) + offsetSec * 1000n;
  }
  if (ms > BigInt(MAX_ABS_MS) || ms < -BigInt(MAX_ABS_MS)) {
    throw new HotpathError('invalid_time_range', `invalid time ${JSON.stringify(raw)}: out of the representable range`);
  }
  return Number(ms);
}
