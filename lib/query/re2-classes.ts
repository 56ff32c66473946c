/**
 * Character sets of RE2 regexes, as single-code-point predicates.
 *
 * Each set is described by JS character-class source (so V8's Unicode tables and its case folding do the work)
 * and evaluated on ONE code point at a time — never as a backtracking pattern over the whole value. Semantics
 * follow Go's regexp/syntax (what Prometheus and Pyroscope run) and RE2 (ClickHouse's match()):
 *   - \d \s \w, POSIX [:name:] and \b are ASCII-only; \s is [\t\n\f\r ] (no \v, unlike JS);
 *   - under (?i) every range and group is closed under simple case folding first, and a negated group
 *     (\W, \PL, [:^alpha:]) is the complement of the folded set — so (?i)\W does not match 'ſ' (U+017F);
 *   - Unicode classes: general categories (one or two letters), Any, and script names — the set both Go and
 *     RE2 accept (RE2 refuses Go's extras such as \p{Greek} spelled \p{greek}, \p{L&}, \p{ASCII}, \p{Letter}).
 *     \pC is Cc|Cf|Co|Cs as in Go and RE2 (JS's \p{C} would add unassigned code points).
 */
export type CharPred = (cp: number) => boolean;

/** A named group: class source, possibly negated (\D, \PL, [:^alpha:], \p{^L}). */
export interface CharGroup {
  source: string;
  negated: boolean;
}

const hex = (cp: number) => `\\u{${cp.toString(16)}}`;

/** Class source for inclusive code point ranges, every code point escaped so no character is syntax. */
export function rangesSource(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
}

const c = (ch: string) => ch.codePointAt(0)!;
const DIGIT: [number, number][] = [[c('0'), c('9')]];
const UPPER: [number, number][] = [[c('A'), c('Z')]];
const LOWER: [number, number][] = [[c('a'), c('z')]];
const WORD: [number, number][] = [...DIGIT, ...UPPER, [c('_'), c('_')], ...LOWER];
const SPACE: [number, number][] = [[9, 10], [12, 13], [32, 32]];

/** \d \s \w (uppercase = negated), Go's perl_groups.go. */
export const PERL_GROUPS: Record<string, readonly [number, number][]> = { d: DIGIT, s: SPACE, w: WORD };

/** [:name:] classes, Go's posixGroup table. */
export const POSIX_GROUPS: Record<string, readonly [number, number][]> = {
  alnum: [...DIGIT, ...UPPER, ...LOWER],
  alpha: [...UPPER, ...LOWER],
  ascii: [[0, 0x7f]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: LOWER,
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[9, 13], [32, 32]],
  upper: UPPER,
  word: WORD,
  xdigit: [...DIGIT, [c('A'), c('F')], [c('a'), c('f')]],
};

const CATEGORIES = new Set(
  'L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs Cc Cf Co Cs'.split(' '),
);
/** Script long names that happen to look like 4-letter ISO 15924 codes (the codes themselves are JS-only). */
const FOUR_LETTER_SCRIPTS = new Set(['Ahom', 'Cham', 'Kawi', 'Lisu', 'Miao', 'Modi', 'Newa', 'Thai', 'Toto']);
/** Script values JS accepts that are not Go/RE2 script tables. */
const NOT_RE2_SCRIPTS = new Set(['Unknown', 'Katakana_Or_Hiragana']);

/** JS class source for the name in \p{name} (after any '^'), or undefined when Go or RE2 would refuse it. */
export function unicodeGroupSource(name: string): string | undefined {
  if (name === 'Any') return rangesSource([[0, 0x10ffff]]);
  if (name === 'C') return '\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}';
  if (CATEGORIES.has(name)) return `\\p{${name}}`;
  if (!/^[A-Z][A-Za-z_]+$/.test(name) || NOT_RE2_SCRIPTS.has(name)) return undefined;
  if (/^[A-Z][a-z]{3}$/.test(name) && !FOUR_LETTER_SCRIPTS.has(name)) return undefined;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return `\\p{Script=${name}}`;
  } catch {
    return undefined;
  }
}

const fromCp = String.fromCodePoint;

/** A single code point, folded under (?i) the way Go folds a literal (its simple case folding orbit). */
export function literalPred(cp: number, fold: boolean): CharPred {
  if (!fold) return (x) => x === cp;
  const re = new RegExp(`^${hex(cp)}$`, 'iu');
  return (x) => x === cp || re.test(fromCp(x));
}

/** `.`: any code point, or any but \n under (?-s). */
export function dotPred(dotNL: boolean): CharPred {
  return dotNL ? () => true : (x) => x !== 10;
}

/**
 * A bracket class or a lone group: the union of `ranges` and `groups`, complemented when `negate`.
 * Positive parts share one JS class; each negated group is its own complemented test (JS classes cannot nest).
 */
export function setPred(ranges: [number, number][], groups: CharGroup[], negate: boolean, fold: boolean): CharPred {
  const flags = fold ? 'iu' : 'u';
  const posSource = rangesSource(ranges) + groups.filter((g) => !g.negated).map((g) => g.source).join('');
  const pos = posSource === '' ? undefined : new RegExp(`^[${posSource}]$`, flags);
  const negs = groups.filter((g) => g.negated).map((g) => new RegExp(`^[${g.source}]$`, flags));
  return (x) => {
    const ch = fromCp(x);
    const hit = (pos !== undefined && pos.test(ch)) || negs.some((re) => !re.test(ch));
    return hit !== negate;
  };
}
