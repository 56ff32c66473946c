/**
 * RE2 regex syntax, parsed by Go's regexp/syntax rules (Perl flags, as Prometheus' label matchers compile them),
 * into a small tree that re2-match.ts runs in linear time.
 *
 * Why not hand the pattern to JS RegExp: the two languages disagree in both directions — JS rejects valid RE2
 * (`a{,3}` and `{` literals, `[]a]`, `\Q…\E`, `(?i)`, `\z`, `[[:alpha:]]`, `\pL`) and reads some of it
 * differently (`\s` includes \v and Unicode spaces; `.` excludes \r; `$` …), and it accepts what RE2 refuses
 * (lookarounds, backreferences) — and a backtracking engine lets one selector such as `(a|a)*b` pin a CPU.
 *
 * Matching semantics are those of `^(?s:<pattern>)$` (Prometheus' anchoring; ClickHouse's match() also lets `.`
 * match \n). Refused, with Go's wording where Go has one: everything Go's parser refuses (incl. `\C`, which RE2
 * would take); Unicode class names outside re2-classes.ts' set; and what would break the anchoring wrapper or a
 * ClickHouse prefilter: `\Q` without `\E`, a range starting at an unescaped leading `]` (`[]-a]`); a pattern that
 * is not valid on its own (`a)|(b`, which Prometheus' wrapper would accept). Nesting is capped at 1000 groups.
 */
import { dotPred, literalPred, PERL_GROUPS, POSIX_GROUPS, rangesSource, setPred, unicodeGroupSource } from './re2-classes.ts';
import type { CharGroup, CharPred } from './re2-classes.ts';

export type AssertKind = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'noWordBoundary';

export type Node =
  | { k: 'char'; pred: CharPred }
  | { k: 'assert'; kind: AssertKind }
  | { k: 'empty' }
  | { k: 'cat'; subs: Node[] }
  | { k: 'alt'; subs: Node[] }
  /** max -1 = unbounded; counted = written `{…}` (only those count toward the 1000-copies limit). */
  | { k: 'repeat'; sub: Node; min: number; max: number; counted: boolean };

/** A pattern Go's regexp/syntax (or RE2) refuses: `problem` in Go's words, `expr` the offending text. */
export class Re2SyntaxError extends Error {
  constructor(
    readonly problem: string,
    readonly expr: string,
    /** UTF-16 offset of `expr` in the pattern. */
    readonly offset: number,
  ) {
    super(`${problem}: \`${expr}\``);
    this.name = 'Re2SyntaxError';
  }
}

/** i = fold case, m = multi-line ^ $, s = `.` matches \n, U = ungreedy (irrelevant to whether a value matches). */
interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const MAX_REPEAT = 1000;
/** Go's parseRepeat: decimal numbers without leading zeros. Sticky: matched at the parser's position. */
const BRACES = /\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}/y;
const MAX_DEPTH = 1000;

const isAlnum = (ch: string | undefined) => ch !== undefined && /^[0-9A-Za-z]$/.test(ch);
const isOctal = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '7';
const unhex = (ch: string | undefined) => (ch !== undefined && /^[0-9A-Fa-f]$/.test(ch) ? parseInt(ch, 16) : -1);

/** Go's counted-repetition rule: nested `{n,m}` may not multiply beyond 1000 copies of anything. */
function repeatIsValid(re: Node, n: number): boolean {
  if (re.k === 'repeat' && re.counted) {
    let m = re.max;
    if (m === 0) return true;
    if (m < 0) m = re.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  const subs = re.k === 'repeat' ? [re.sub] : re.k === 'cat' || re.k === 'alt' ? re.subs : [];
  return subs.every((s) => repeatIsValid(s, n));
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation({ i: false, m: false, s: true, U: false });
    if (this.i < this.src.length) this.fail('unexpected )', 0, this.src.length, this.i);
    return node;
  }

  private fail(problem: string, from: number, to: number = this.i, at: number = from): never {
    throw new Re2SyntaxError(problem, this.src.slice(from, to), at);
  }

  /** The code point at this.i, consumed; a lone surrogate is what Go calls invalid UTF-8. */
  private nextCp(): number {
    const cp = this.src.codePointAt(this.i)!;
    if (cp >= 0xd800 && cp <= 0xdfff) this.fail('invalid UTF-8', this.i, this.src.length);
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private alternation(flags: Flags): Node {
    const subs = [this.concat(flags)];
    while (this.src[this.i] === '|') {
      this.i++;
      subs.push(this.concat(flags));
    }
    return subs.length === 1 ? subs[0]! : { k: 'alt', subs };
  }

  /** Items up to `|`, `)` or the end. `flags` is the enclosing group's: `(?i)` changes it for the rest of it. */
  private concat(flags: Flags): Node {
    const items: Node[] = [];
    let lastRepeat = -1; // start of the previous token when it was a repetition operator
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const start = this.i;
      let repeat = -1;
      const ch = this.src[this.i]!;
      if (ch === '(') {
        const group = this.src[this.i + 1] === '?' ? this.flagsGroup(flags) : this.capture(flags);
        if (group) items.push(group);
      } else if (ch === '^' || ch === '$') {
        this.i++;
        const kind = ch === '^' ? (flags.m ? 'beginLine' : 'beginText') : flags.m ? 'endLine' : 'endText';
        items.push({ k: 'assert', kind });
      } else if (ch === '.') {
        this.i++;
        items.push({ k: 'char', pred: dotPred(flags.s) });
      } else if (ch === '[') {
        items.push({ k: 'char', pred: this.bracketClass(flags) });
      } else if (ch === '*' || ch === '+' || ch === '?') {
        this.i++;
        const [min, max] = ch === '*' ? [0, -1] : ch === '+' ? [1, -1] : [0, 1];
        this.repeat(items, min, max, false, start, lastRepeat);
        repeat = start;
      } else if (ch === '{') {
        const r = this.braces();
        if (r === undefined) {
          this.i++;
          items.push({ k: 'char', pred: literalPred(0x7b, flags.i) });
        } else {
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            this.fail('invalid repeat count', start, r.end);
          }
          this.i = r.end;
          this.repeat(items, r.min, r.max, true, start, lastRepeat);
          repeat = start;
        }
      } else if (ch === '\\') {
        this.backslash(items, flags);
      } else {
        items.push({ k: 'char', pred: literalPred(this.nextCp(), flags.i) });
      }
      lastRepeat = repeat;
    }
    return items.length === 0 ? { k: 'empty' } : items.length === 1 ? items[0]! : { k: 'cat', subs: items };
  }

  /** Wraps the last item; Go's order of checks: lazy `?`, stacked operators, missing operand, size. */
  private repeat(items: Node[], min: number, max: number, counted: boolean, start: number, lastRepeat: number): void {
    if (this.src[this.i] === '?') this.i++;
    if (lastRepeat >= 0) this.fail('invalid nested repetition operator', lastRepeat);
    const sub = items.pop();
    if (sub === undefined) this.fail('missing argument to repetition operator', start);
    const node: Node = { k: 'repeat', sub, min, max, counted };
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) this.fail('invalid repeat count', start);
    items.push(node);
  }

  /** `{n}`, `{n,}`, `{n,m}` at this.i (Go's parseRepeat); undefined when it is not one (then `{` is literal). */
  private braces(): { min: number; max: number; end: number } | undefined {
    BRACES.lastIndex = this.i;
    const m = BRACES.exec(this.src);
    if (!m) return undefined;
    // Go turns numbers too big to matter into -1; like any count over 1000, the caller refuses it.
    const num = (s: string) => (s.length > 8 ? -1 : Number(s));
    const min = num(m[1]!);
    const max = m[2] === undefined ? min : m[3] === undefined ? -1 : num(m[3]);
    return { min: m[3] !== undefined && max < 0 ? -1 : min, max, end: this.i + m[0].length };
  }

  private group(flags: Flags, start: number): Node {
    if (++this.depth > MAX_DEPTH) this.fail('expression nests too deeply', 0, this.src.length, start);
    const node = this.alternation(flags);
    if (this.i >= this.src.length) this.fail('missing closing )', 0, this.src.length, start);
    this.i++; // ')'
    this.depth--;
    return node;
  }

  private capture(flags: Flags): Node {
    const start = this.i++;
    return this.group({ ...flags }, start);
  }

  /** After `(?`: a named capture, a non-capturing group with flags, or flags alone (returns undefined). */
  private flagsGroup(flags: Flags): Node | undefined {
    const start = this.i;
    const rest = this.src.length - start;
    const p = rest > 4 && this.src[start + 2] === 'P' && this.src[start + 3] === '<';
    if (p || (rest > 3 && this.src[start + 2] === '<')) {
      const lookbehind = !p && (this.src[start + 3] === '=' || this.src[start + 3] === '!');
      const problem = `invalid named capture${lookbehind ? ' (RE2 has no lookbehind)' : ''}`;
      const end = this.src.indexOf('>', start);
      if (end < 0) this.fail(problem, start, this.src.length);
      const name = this.src.slice(start + (p ? 4 : 3), end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(problem, start, end + 1);
      this.i = end + 1;
      return this.group({ ...flags }, start);
    }
    this.i += 2;
    const next = { ...flags };
    let negate = false;
    let sawFlag = false;
    while (this.i < this.src.length) {
      const ch = String.fromCodePoint(this.nextCp());
      if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
        next[ch] = !negate;
        sawFlag = true;
      } else if (ch === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((ch === ':' || ch === ')') && !(negate && !sawFlag)) {
        if (ch === ':') return this.group(next, start);
        Object.assign(flags, next);
        return undefined;
      } else {
        const hint = ch === '=' || ch === '!' ? ' (RE2 has no lookahead)' : '';
        this.fail(`invalid or unsupported Perl syntax${hint}`, start);
      }
    }
    return this.fail('invalid or unsupported Perl syntax', start);
  }

  private backslash(items: Node[], flags: Flags): void {
    const start = this.i;
    const c1 = this.src[start + 1];
    const assert = (kind: AssertKind) => {
      this.i += 2;
      items.push({ k: 'assert', kind });
    };
    if (c1 === 'A') return assert('beginText');
    if (c1 === 'z') return assert('endText');
    if (c1 === 'b') return assert('wordBoundary');
    if (c1 === 'B') return assert('noWordBoundary');
    if (c1 === 'C') this.fail('invalid escape sequence', start, start + 2);
    if (c1 === 'Q') {
      // Go runs an unterminated \Q to the end, but Prometheus' `^(?s:…)$` wrapper would be swallowed into it
      // (there: "missing closing )"), and so would ClickHouse's `^(?:…)$`.
      const end = this.src.indexOf('\\E', start + 2);
      if (end < 0) this.fail('missing \\E after \\Q', start, this.src.length);
      this.i = start + 2;
      while (this.i < end) items.push({ k: 'char', pred: literalPred(this.nextCp(), flags.i) });
      this.i = end + 2;
      return;
    }
    if (c1 === 'p' || c1 === 'P') {
      const g = this.unicodeGroup();
      items.push({ k: 'char', pred: setPred([], [g], false, flags.i) });
      return;
    }
    const perl = this.perlClass();
    if (perl) {
      items.push({ k: 'char', pred: setPred([], [perl], false, flags.i) });
      return;
    }
    items.push({ k: 'char', pred: literalPred(this.escape(), flags.i) });
  }

  /** \d \D \s \S \w \W at this.i, consumed; undefined otherwise. */
  private perlClass(): CharGroup | undefined {
    const c1 = this.src[this.i + 1];
    if (this.src[this.i] !== '\\' || c1 === undefined || !'dDsSwW'.includes(c1)) return undefined;
    this.i += 2;
    return { source: rangesSource(PERL_GROUPS[c1.toLowerCase()]!), negated: c1 !== c1.toLowerCase() };
  }

  /** \pX, \p{Name}, \p{^Name}, \PX… at this.i (Go's parseUnicodeClass). */
  private unicodeGroup(): CharGroup {
    const start = this.i;
    let negated = this.src[start + 1] === 'P';
    this.i += 2;
    let name: string;
    if (this.i >= this.src.length) this.fail('invalid character class range', start);
    if (this.src[this.i] !== '{') {
      name = String.fromCodePoint(this.nextCp());
    } else {
      const end = this.src.indexOf('}', start);
      if (end < 0) this.fail('invalid character class range', start, this.src.length);
      name = this.src.slice(start + 3, end);
      this.i = end + 1;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const source = unicodeGroupSource(name);
    if (source === undefined) this.fail('invalid character class range', start);
    return { source, negated };
  }

  /** One escaped character (Go's parseEscape) at this.i, consumed. */
  private escape(): number {
    const start = this.i++;
    if (this.i >= this.src.length) this.fail('trailing backslash at end of expression', start);
    const cp = this.nextCp();
    const ch = String.fromCodePoint(cp);
    const bad = () => this.fail('invalid escape sequence', start);
    if (cp < 0x80 && !isAlnum(ch)) return cp; // escaped punctuation is itself
    if (ch >= '1' && ch <= '7' && !isOctal(this.src[this.i])) bad(); // \1 would be a backreference
    if (ch >= '0' && ch <= '7') {
      let r = cp - 0x30;
      for (let k = 1; k < 3 && isOctal(this.src[this.i]); k++) r = r * 8 + (this.src.charCodeAt(this.i++) - 0x30);
      return r;
    }
    if (ch === 'x') {
      if (this.src[this.i] === '{') {
        this.i++;
        let r = 0;
        let digits = 0;
        for (;;) {
          if (this.i >= this.src.length) bad();
          const d = this.src[this.i++];
          if (d === '}') break;
          if (unhex(d) < 0) bad();
          r = r * 16 + unhex(d);
          if (r > 0x10ffff) bad();
          digits++;
        }
        if (digits === 0) bad();
        return r;
      }
      const x = unhex(this.src[this.i]);
      const y = unhex(this.src[this.i + 1]);
      this.i = Math.min(this.i + 2, this.src.length);
      if (x < 0 || y < 0) bad();
      return x * 16 + y;
    }
    const controls: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    return controls[ch] ?? bad();
  }

  /** `[…]` at this.i (Go's parseClass): `]` first is literal, `-` is literal where it cannot form a range. */
  private bracketClass(flags: Flags): CharPred {
    const start = this.i++;
    let negate = false;
    if (this.src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const ranges: [number, number][] = [];
    const groups: CharGroup[] = [];
    let first = true;
    while (this.i >= this.src.length || this.src[this.i] !== ']' || first) {
      first = false;
      if (this.src.length - this.i > 2 && this.src.startsWith('[:', this.i)) {
        const g = this.posixGroup();
        if (g) {
          groups.push(g);
          continue;
        }
      }
      if (this.src[this.i] === '\\' && (this.src[this.i + 1] === 'p' || this.src[this.i + 1] === 'P')) {
        groups.push(this.unicodeGroup());
        continue;
      }
      const perl = this.perlClass();
      if (perl) {
        groups.push(perl);
        continue;
      }
      const rangeStart = this.i;
      const lo = this.classChar(start);
      let hi = lo;
      if (this.src.length - this.i >= 2 && this.src[this.i] === '-' && this.src[this.i + 1] !== ']') {
        // Go and RE2 read `[]-a]` as the range ]-a, but ClickHouse's literal prefilter reads `[]` as a whole
        // class and then requires "-a]": refused, so in-app and SQL matching cannot disagree.
        if (lo === 0x5d && this.src[rangeStart] === ']') {
          this.fail("range from an unescaped leading ']' (write \\])", rangeStart, this.i + 2);
        }
        this.i++;
        hi = this.classChar(start);
        if (hi < lo) this.fail('invalid character class range', rangeStart);
      }
      ranges.push([lo, hi]);
    }
    this.i++; // ']'
    return setPred(ranges, groups, negate, flags.i);
  }

  private classChar(classStart: number): number {
    if (this.i >= this.src.length) this.fail('missing closing ]', classStart, this.src.length);
    return this.src[this.i] === '\\' ? this.escape() : this.nextCp();
  }

  /** `[:name:]` / `[:^name:]`; undefined (then `[` is literal) when no `:]` follows anywhere. */
  private posixGroup(): CharGroup | undefined {
    const close = this.src.indexOf(':]', this.i + 2);
    if (close < 0) return undefined;
    const text = this.src.slice(this.i, close + 2);
    const negated = text[2] === '^';
    const name = text.slice(negated ? 3 : 2, -2);
    if (!Object.hasOwn(POSIX_GROUPS, name)) this.fail('invalid character class range', this.i, close + 2);
    this.i = close + 2;
    return { source: rangesSource(POSIX_GROUPS[name]!), negated };
  }
}

export function parseRe2(pattern: string): Node {
  return new Parser(pattern).parse();
}
