/**
 * The `name` parameter of POST /ingest: `app{k=v,...}` (compat-details §1.3), parsed the way Pyroscope's
 * labelset.Parse does, because SDKs build it by string concatenation against that parser (no escaping, dotted keys
 * such as `otel.scope.name`, values such as `com.grafana.pyroscope/nodejs`).
 *
 * Pyroscope's parser is a state machine over the runes of `name + "{"`; we read the same grammar span by span
 * (parseAppName), so its edge cases are Pyroscope's (some differ from the prose summary in compat-details §1.3,
 * noted with *):
 *   - text before the first `{`, trimmed, is the app name: runes [A-Za-z0-9_.\-/], non-empty;
 *   - then `key=value` pairs, each committed when its value ends at `,` or `}`; keys and values trimmed;
 *     keys use runes [A-Za-z0-9_.] and must be non-empty; no quoting or escaping; a value may contain `=`, `{`;
 *   - key `__name__` is not validated and replaces the app name (Hotpath refuses it empty: an app needs a name);
 *   - a `,` or `}` ends a pair only after its `=`. Before any `=`, they behave differently: `}` ends the label
 *     set (so a last segment without `=` is dropped, `app{a=1,flag}`), while `,` is kept in the pending key
 *     (* so `app{flag,a=1}` fails as the invalid key `flag,a`, exactly as in Pyroscope);
 *   - a `}` that ends a value does not end the machine: text after it is ignored unless it forms another
 *     `k=v,` / `k=v}` (* so `app{a=1}b=2}` yields b too); after `{…,}` or `{}` everything is ignored;
 *   - * a missing final `}` drops the last pair: `app{a=1,b=2` → {a: "1"} (its value never reaches `,`/`}`).
 * Errors are 'bad_request' with Pyroscope's wording after `name: `.
 */
import { HotpathError } from '../errors.ts';

export interface AppName {
  /** The app (service) name: text before `{`, or the value of a `__name__` key. */
  appName: string;
  /** The other labels, keys as sent (dotted names kept). */
  labels: Record<string, string>;
}

const NAME_KEY = '__name__';

/** Go's strings.TrimSpace set (unicode.IsSpace). */
const GO_SPACE_EDGES = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const goTrim = (s: string) => s.replace(GO_SPACE_EDGES, '');

/** The characters a label name, and a service name, may hold: a test of a whole name, and of one character. */
interface Runes {
  all: RegExp;
  one: RegExp;
}
const runes = (set: string): Runes => ({ all: new RegExp(`^[${set}]*$`), one: new RegExp(`^[${set}]$`) });
const LABEL_RUNES = runes('A-Za-z0-9_.');
const SERVICE_RUNES = runes('A-Za-z0-9_.\\-/');

/** Go's %q of a rune (strconv.QuoteRune), so messages read like Pyroscope's. */
function quoteRune(c: string): string {
  const cp = c.codePointAt(0)!;
  const named: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 39: "'", 92: '\\' };
  if (named[cp] !== undefined) return `'\\${named[cp]}'`;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  if (cp >= 0xd800 && cp <= 0xdfff) return "'\ufffd'"; // a lone surrogate: Go sees invalid UTF-8 as U+FFFD
  if (/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c)) return `'${c}'`;
  return cp < 0x10000 ? `'\\u${cp.toString(16).padStart(4, '0')}'` : `'\\U${cp.toString(16).padStart(8, '0')}'`;
}

function bad(problem: string): HotpathError {
  return new HotpathError('bad_request', `name: ${problem}`);
}

function checkRunes(value: string, allowed: Runes, what: string): void {
  // The usual case in one test; the loop below only runs to name the first character that is not allowed.
  if (allowed.all.test(value)) return;
  for (const c of value) {
    if (!allowed.one.test(c)) throw bad(`invalid ${what}: ${value}: character is not allowed: ${quoteRune(c)}`);
  }
}

export function parseAppName(name: string): AppName {
  // A Map, not an object: keys are client text, and `__proto__` must stay an ordinary label.
  const found = new Map<string, string>();
  // Pyroscope's grammar, read span by span: the app name up to the first `{`; then `key=value` pairs, each value
  // ended by `,` or `}`; a `}` where a key is expected ends the labels. A `}` after a value does not (what follows
  // is read as more keys), and a pair left open at the end is dropped: both as Pyroscope's parser does.
  const s = name + '{';
  const open = s.indexOf('{');
  const app = goTrim(s.slice(0, open));
  if (app === '') throw bad(`service name is required (name ${JSON.stringify(name)})`);
  checkRunes(app, SERVICE_RUNES, 'service name');
  found.set(NAME_KEY, app);
  let pos = open + 1;
  while (pos < s.length) {
    const eq = s.indexOf('=', pos);
    const close = s.indexOf('}', pos);
    if (close !== -1 && (eq === -1 || close < eq)) break;
    if (eq === -1) break;
    const key = s.slice(pos, eq);
    const comma = s.indexOf(',', eq + 1);
    const end = s.indexOf('}', eq + 1);
    const stop = comma === -1 ? end : end === -1 ? comma : Math.min(comma, end);
    if (stop === -1) break;
    const k = goTrim(key);
    if (k !== NAME_KEY) {
      if (k === '') throw bad(`label name is required (name ${JSON.stringify(name)})`);
      checkRunes(k, LABEL_RUNES, 'label name');
    }
    found.set(k, goTrim(s.slice(eq + 1, stop)));
    pos = stop + 1;
  }
  const appName = found.get(NAME_KEY) ?? '';
  if (appName === '') throw bad(`service name is required: __name__ is empty in ${JSON.stringify(name)}`);
  found.delete(NAME_KEY);
  return { appName, labels: Object.fromEntries(found) };
}
