/**
 * PromQL string literals, as Prometheus' lexer (lexString/lexEscape/lexRawString) and strutil.Unquote read them:
 *   - "…" and '…': no raw newline; escapes \a \b \f \n \r \t \v \\ and the opening quote only (\' inside "…" is
 *     an error, as in Prometheus), \NNN octal (≤ \377) and \xHH as raw bytes, \uHHHH and \UHHHHHHHH as code
 *     points (not surrogates, ≤ U+10FFFF);
 *   - `…`: raw, no escapes, newlines allowed.
 * Go strings are bytes, so `"\xc3\xa9"` is "é"; a result that is not valid UTF-8 is refused (stored labels always
 * are valid UTF-8, and JS strings cannot carry the bytes).
 */

export class QuoteError extends Error {
  constructor(
    readonly problem: string,
    /** UTF-16 offset of the problem in the source. */
    readonly at: number,
  ) {
    super(problem);
  }
}

const encoder = new TextEncoder();
/** ignoreBOM: keep a leading U+FEFF as content instead of stripping it. */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

const describe = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(String.fromCodePoint(cp))}`;

/** True when `ch` opens a string literal. */
export function isQuote(ch: string | undefined): boolean {
  return ch === '"' || ch === "'" || ch === '`';
}

/** Reads the literal whose opening quote is at `start`; returns its value and the index after the closing quote. */
export function readQuoted(src: string, start: number): { value: string; end: number } {
  const quote = src[start]!;
  if (quote === '`') {
    const close = src.indexOf('`', start + 1);
    if (close < 0) throw new QuoteError('unterminated raw string', start);
    return { value: src.slice(start + 1, close), end: close + 1 };
  }
  const bytes: number[] = [];
  let i = start + 1;
  for (;;) {
    if (i >= src.length || src[i] === '\n') throw new QuoteError('unterminated quoted string', start);
    const cp = src.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (ch === quote) break;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new QuoteError('invalid UTF-8 rune', i);
    if (ch !== '\\') {
      bytes.push(...encoder.encode(ch));
      i += ch.length;
      continue;
    }
    const escStart = i;
    i++;
    if (i >= src.length) throw new QuoteError('escape sequence not terminated', escStart);
    const e = String.fromCodePoint(src.codePointAt(i)!);
    i += e.length;
    if (SIMPLE[e] !== undefined) bytes.push(SIMPLE[e]!);
    else if (e === quote) bytes.push(quote.charCodeAt(0));
    else if ((e >= '0' && e <= '7') || e === 'x' || e === 'u' || e === 'U') {
      const [n, base, max] = e === 'x' ? [2, 16, 255] : e === 'u' ? [4, 16, 0x10ffff] : e === 'U' ? [8, 16, 0x10ffff] : [3, 8, 255];
      if (base === 8) i--; // the first octal digit is part of the value
      let v = 0;
      for (let k = 0; k < n; k++) {
        if (i >= src.length) throw new QuoteError('escape sequence not terminated', escStart);
        const d = parseInt(src[i]!, base);
        if (Number.isNaN(d)) throw new QuoteError(`illegal character ${describe(src.codePointAt(i)!)} in escape sequence`, i);
        v = v * base + d;
        i++;
      }
      if (v > max || (v >= 0xd800 && v < 0xe000)) {
        throw new QuoteError('escape sequence is an invalid Unicode code point', escStart);
      }
      if (max === 255) bytes.push(v);
      else bytes.push(...encoder.encode(String.fromCodePoint(v)));
    } else {
      throw new QuoteError(`unknown escape sequence ${describe(e.codePointAt(0)!)}`, escStart);
    }
  }
  try {
    return { value: decoder.decode(new Uint8Array(bytes)), end: i + 1 };
  } catch {
    throw new QuoteError('string is not valid UTF-8 after its \\x or octal escapes', start);
  }
}
