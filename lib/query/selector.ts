/**
 * Queries and label selectors (api.md "Query"; compat-details §3.3, §6.1).
 *
 *   query    = <profileTypeId> [ selector ]          e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="x"}
 *   selector = "{" [ matcher { "," matcher } [ "," ] ] "}"        whitespace (space, \t, \n, \r) anywhere between tokens
 *   matcher  = name ( "=" | "!=" | "=~" | "!~" ) string
 *   name     = [a-zA-Z_][a-zA-Z0-9_]* with optional "."-segments (service.name), or any non-empty string literal
 *              ({"k8s.namespace"="x"}, as Prometheus 3 and newer Grafana write non-legacy names)
 *   string   = PromQL literal in "…", '…' or `…` (quoted.ts)
 *
 * Regex matchers are RE2, fully anchored; they are validated when parsed (re2-parse.ts) and matched in-app in
 * linear time (re2-match.ts). A label the series lacks matches as '' (Prometheus). Which stored name a matcher
 * reads (service_name vs service.name) is lib/labels/names.ts' rule. Every error is 'invalid_selector' naming
 * the input, the 1-based position (UTF-16 units) and the problem.
 */
import type { ProfileType } from '../profile/model.ts';
import { HotpathError } from '../errors.ts';
import { isValidLabelName } from '../labels/names.ts';
import { isQuote, QuoteError, readQuoted } from './quoted.ts';
import { compileRe2 } from './re2-match.ts';
import type { Re2 } from './re2-match.ts';
import { Re2SyntaxError } from './re2-parse.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** The parts of a profile type id: the profile model's type (one definition, in lib/profile/model.ts). */
export type { ProfileType } from '../profile/model.ts';

const PART_NAMES = ['name', 'sample type', 'sample unit', 'period type', 'period unit'] as const;
/** Not allowed in an id part: what would make `id{…}` ambiguous, and whitespace/control characters. */
const BAD_ID_CHAR = /[\s{}"'`,=\p{Cc}]/u;
const SPACE = /[ \t\n\r]*/y;
const WORD = /[A-Za-z0-9_.]*/y;

/** Compiled regexes of matchers, keyed by the matcher object (parsed once, reused by every `matches`). */
const compiled = new WeakMap<Matcher, Re2>();

function show(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

function at(src: string, i: number): string {
  return i >= src.length ? 'end of input' : JSON.stringify(String.fromCodePoint(src.codePointAt(i)!));
}

function idProblem(id: string): string | undefined {
  const parts = id.split(':');
  if (parts.length !== 5) {
    return `has ${parts.length} part${parts.length === 1 ? '' : 's'}, want 5: <name>:<sample type>:<sample unit>:<period type>:<period unit>`;
  }
  if (parts[0] === '') return 'part 1 (name) is empty';
  for (const [k, part] of parts.entries()) {
    const bad = BAD_ID_CHAR.exec(part);
    if (bad) return `part ${k + 1} (${PART_NAMES[k]}) contains ${JSON.stringify(bad[0])}`;
  }
  return undefined;
}

/** `<name>:<sample type>:<sample unit>:<period type>:<period unit>`; empty parts allowed except the name. */
export function parseProfileTypeId(id: string): ProfileType {
  const problem = idProblem(id);
  if (problem) throw new HotpathError('invalid_selector', `invalid profile type id ${show(id)}: ${problem}`);
  const [name, sampleType, sampleUnit, periodType, periodUnit] = id.split(':') as [string, string, string, string, string];
  return { id, name, sampleType, sampleUnit, periodType, periodUnit };
}

class SelectorParser {
  constructor(
    private readonly src: string,
    private readonly what: 'selector' | 'query',
    private i: number,
  ) {}

  fail(pos: number, problem: string): never {
    throw new HotpathError('invalid_selector', `invalid ${this.what} ${show(this.src)}: at position ${pos + 1}: ${problem}`);
  }

  private space(): void {
    SPACE.lastIndex = this.i;
    SPACE.exec(this.src);
    this.i = SPACE.lastIndex;
  }

  private quoted(): { value: string; start: number } {
    const start = this.i;
    try {
      const { value, end } = readQuoted(this.src, start);
      this.i = end;
      return { value, start };
    } catch (e) {
      if (e instanceof QuoteError) this.fail(e.at, e.problem);
      throw e;
    }
  }

  /** `{…}` starting at this.i (after optional whitespace), then only whitespace. */
  selector(): Matcher[] {
    this.space();
    if (this.src[this.i] !== '{') {
      this.fail(this.i, this.i >= this.src.length ? "empty selector (use {} to select every series)" : `expected '{', got ${at(this.src, this.i)}`);
    }
    this.i++;
    const matchers: Matcher[] = [];
    for (;;) {
      this.space();
      if (this.src[this.i] === '}') break; // `{}` or after a trailing comma
      matchers.push(this.matcher());
      this.space();
      if (this.src[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.src[this.i] === '}') break;
      this.fail(this.i, this.i >= this.src.length ? "missing '}'" : `expected ',' or '}' after a matcher, got ${at(this.src, this.i)}`);
    }
    this.i++;
    this.space();
    if (this.i < this.src.length) this.fail(this.i, `unexpected ${at(this.src, this.i)} after '}'`);
    return matchers;
  }

  private matcher(): Matcher {
    const nameStart = this.i;
    let name: string;
    if (isQuote(this.src[this.i])) {
      name = this.quoted().value;
      if (name === '') this.fail(nameStart, 'empty label name');
    } else {
      WORD.lastIndex = this.i;
      name = WORD.exec(this.src)![0];
      if (name === '') this.fail(this.i, `expected a label name, got ${at(this.src, this.i)}`);
      if (!isValidLabelName(name)) {
        this.fail(nameStart, `invalid label name ${JSON.stringify(name)}: unquoted names match [a-zA-Z_][a-zA-Z0-9_]* with optional .segments; quote others ({"${name}"="…"})`);
      }
      this.i += name.length;
    }
    this.space();
    const op = this.op(name);
    this.space();
    if (!isQuote(this.src[this.i])) this.fail(this.i, `expected a quoted string after ${op}, got ${at(this.src, this.i)}`);
    const { value, start } = this.quoted();
    const m: Matcher = { name, op, value };
    if (op === '=~' || op === '!~') {
      try {
        compiled.set(m, compileRe2(value));
      } catch (e) {
        if (e instanceof Re2SyntaxError) this.fail(start, `invalid regex ${JSON.stringify(value)} for label ${JSON.stringify(name)}: ${e.message}`);
        throw e;
      }
    }
    return m;
  }

  private op(name: string): MatchOp {
    const two = this.src.slice(this.i, this.i + 2);
    if (two === '=~' || two === '!=' || two === '!~') {
      this.i += 2;
      return two;
    }
    if (two === '==') this.fail(this.i, "'==' is not a matcher operator (use '=')");
    if (this.src[this.i] === '=') {
      this.i++;
      return '=';
    }
    return this.fail(this.i, `expected one of = != =~ !~ after label name ${JSON.stringify(name)}, got ${at(this.src, this.i)}`);
  }
}

/** `{a="b", c=~"x.*"}` → matchers, regexes validated. `{}` is the empty list (every series). */
export function parseSelector(s: string): Matcher[] {
  return new SelectorParser(s, 'selector', 0).selector();
}

/** `<profileTypeId>{<selector>}` or the id alone. */
export function parseQuery(q: string): { profileTypeId: string; matchers: Matcher[] } {
  const p = new SelectorParser(q, 'query', 0);
  const start = q.search(/[^ \t\n\r]/);
  if (start < 0) p.fail(0, 'empty query (want <profileTypeId>{<selector>})');
  const brace = q.indexOf('{');
  const idEnd = brace < 0 ? q.length : brace;
  const profileTypeId = q.slice(start, idEnd).replace(/[ \t\n\r]+$/, '');
  if (profileTypeId === '') p.fail(start, "missing profile type id before '{' (want <name>:<sample type>:<sample unit>:<period type>:<period unit>{…})");
  const problem = idProblem(profileTypeId);
  if (problem) p.fail(start, `invalid profile type id ${show(profileTypeId)}: ${problem}`);
  const matchers = brace < 0 ? [] : new SelectorParser(q, 'query', brace).selector();
  return { profileTypeId, matchers };
}

function regexOf(m: Matcher): Re2 {
  let re = compiled.get(m);
  if (re === undefined) {
    try {
      re = compileRe2(m.value);
    } catch (e) {
      if (!(e instanceof Re2SyntaxError)) throw e;
      throw new HotpathError('invalid_selector', `invalid regex ${JSON.stringify(m.value)} for label ${JSON.stringify(m.name)}: ${e.message}`);
    }
    compiled.set(m, re);
  }
  return re;
}

/** Whether a series' label value satisfies `m`; an absent label (undefined) is '' as in Prometheus. */
export function matches(m: Matcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return regexOf(m).test(v);
    case '!~':
      return !regexOf(m).test(v);
  }
}

/** RE2::QuoteMeta: ASCII other than [A-Za-z0-9_] escaped, NUL as \x00, other characters as they are. */
function quoteMeta(s: string): string {
  return s.replace(/[^A-Za-z0-9_\u0080-\u{10FFFF}]/gu, (c) => (c === '\0' ? '\\x00' : `\\${c}`));
}

/**
 * The pattern for ClickHouse's `match(value, pattern)` (RE2; its `.` matches \n like Prometheus' `(?s:…)`):
 * `^(?:<regex>)$` for =~ / !~ (validated first; negate !~ in SQL), and the quoted literal for = / != so callers
 * may treat every matcher alike. Bind it as a query parameter, never splice it into SQL text.
 */
export function toClickHouseRegex(m: Matcher): string {
  if (m.op === '=~' || m.op === '!~') return `^(?:${regexOf(m).source})$`;
  return `^(?:${quoteMeta(m.value)})$`;
}
