/**
 * Linear-time matching of a parsed RE2 regex against a whole value (`^(?s:…)$` semantics).
 *
 * The tree is compiled to a Thompson NFA program and run as a Pike VM without captures: all live states advance
 * together one code point at a time, so time is O(value length × program size) for every pattern — there is no
 * backtracking for a hostile selector to exploit (RE2's own guarantee, which ClickHouse gives us on the SQL side).
 * Greediness is irrelevant to a yes/no answer for an anchored match, so it is not modelled.
 */
import { parseRe2, Re2SyntaxError } from './re2-parse.ts';
import type { AssertKind, Node } from './re2-parse.ts';
import type { CharPred } from './re2-classes.ts';

/** Program size cap: keeps one match under ~10 ms for a 2 KiB label value. Go would accept more. */
export const MAX_PROGRAM = 10_000;

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const ASSERT = 3;
const MATCH = 4;

interface Inst {
  op: number;
  /** CHAR: next; SPLIT: first branch; JMP: target; ASSERT: next. */
  x: number;
  /** SPLIT: second branch. */
  y: number;
  pred?: CharPred;
  kind?: AssertKind;
}

class Compiler {
  readonly prog: Inst[] = [];

  constructor(private readonly pattern: string) {}

  private push(inst: Omit<Inst, 'x' | 'y'> & Partial<Pick<Inst, 'x' | 'y'>>): number {
    if (this.prog.length >= MAX_PROGRAM) {
      throw new Re2SyntaxError(`expression too large (over ${MAX_PROGRAM} steps)`, this.pattern, 0);
    }
    this.prog.push({ x: this.prog.length + 1, y: -1, ...inst });
    return this.prog.length - 1;
  }

  emit(node: Node): void {
    switch (node.k) {
      case 'char':
        this.push({ op: CHAR, pred: node.pred });
        return;
      case 'assert':
        this.push({ op: ASSERT, kind: node.kind });
        return;
      case 'empty':
        return;
      case 'cat':
        for (const sub of node.subs) this.emit(sub);
        return;
      case 'alt': {
        const exits: number[] = [];
        node.subs.forEach((sub, k) => {
          if (k === node.subs.length - 1) return this.emit(sub);
          const split = this.push({ op: SPLIT });
          this.emit(sub);
          exits.push(this.push({ op: JMP }));
          this.prog[split]!.y = this.prog.length;
        });
        for (const j of exits) this.prog[j]!.x = this.prog.length;
        return;
      }
      case 'repeat':
        return this.emitRepeat(node.sub, node.min, node.max);
    }
  }

  /** x{min,max} as min copies then (max-min) optional copies; unbounded as a loop (x+ reuses the last copy). */
  private emitRepeat(sub: Node, min: number, max: number): void {
    if (max < 0 && min > 0) {
      for (let k = 0; k < min - 1; k++) this.emit(sub);
      const top = this.prog.length;
      this.emit(sub);
      this.push({ op: SPLIT, x: top, y: this.prog.length + 1 });
      return;
    }
    for (let k = 0; k < min; k++) this.emit(sub);
    if (max < 0) {
      const loop = this.push({ op: SPLIT });
      this.emit(sub);
      this.push({ op: JMP, x: loop });
      this.prog[loop]!.y = this.prog.length;
      return;
    }
    const splits: number[] = [];
    for (let k = min; k < max; k++) {
      splits.push(this.push({ op: SPLIT }));
      this.emit(sub);
    }
    for (const s of splits) this.prog[s]!.y = this.prog.length;
  }
}

const isWord = (cp: number | undefined) =>
  cp !== undefined && ((cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95);

function holds(kind: AssertKind, cps: number[], pos: number): boolean {
  switch (kind) {
    case 'beginText':
      return pos === 0;
    case 'endText':
      return pos === cps.length;
    case 'beginLine':
      return pos === 0 || cps[pos - 1] === 10;
    case 'endLine':
      return pos === cps.length || cps[pos] === 10;
    case 'wordBoundary':
      return isWord(cps[pos - 1]) !== isWord(cps[pos]);
    case 'noWordBoundary':
      return isWord(cps[pos - 1]) === isWord(cps[pos]);
  }
}

function run(prog: Inst[], value: string): boolean {
  const cps: number[] = [];
  for (const ch of value) cps.push(ch.codePointAt(0)!);
  let cur = new Int32Array(prog.length);
  let next = new Int32Array(prog.length);
  const seenAt = new Int32Array(prog.length).fill(-1); // position whose closure already holds this pc
  const stack: number[] = [];

  /** Adds pc and everything reachable from it without consuming input, at `pos`, to `list`. */
  const add = (list: Int32Array, len: number, pc0: number, pos: number): number => {
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seenAt[pc] === pos) continue;
      seenAt[pc] = pos;
      const ins = prog[pc]!;
      if (ins.op === JMP) stack.push(ins.x);
      else if (ins.op === SPLIT) stack.push(ins.y, ins.x);
      else if (ins.op === ASSERT) {
        if (holds(ins.kind!, cps, pos)) stack.push(ins.x);
      } else list[len++] = pc;
    }
    return len;
  };

  let curLen = add(cur, 0, 0, 0);
  for (let pos = 0; pos < cps.length && curLen > 0; pos++) {
    const cp = cps[pos]!;
    let nextLen = 0;
    for (let k = 0; k < curLen; k++) {
      const ins = prog[cur[k]!]!;
      if (ins.op === CHAR && ins.pred!(cp)) nextLen = add(next, nextLen, ins.x, pos + 1);
    }
    [cur, next] = [next, cur];
    curLen = nextLen;
  }
  // Threads left after the last code point (none if the loop stopped early) sit at the end of the value.
  for (let k = 0; k < curLen; k++) if (prog[cur[k]!]!.op === MATCH) return true;
  return false;
}

export interface Re2 {
  /** The pattern as written (unanchored; matching is anchored). */
  readonly source: string;
  /** Whether the whole value matches. */
  test(value: string): boolean;
}

/** Parses and compiles `pattern`; throws Re2SyntaxError with Go's wording for what Go/RE2 refuse. */
export function compileRe2(pattern: string): Re2 {
  const c = new Compiler(pattern);
  c.emit(parseRe2(pattern));
  c.prog.push({ op: MATCH, x: -1, y: -1 });
  const prog = c.prog;
  return { source: pattern, test: (value) => run(prog, value) };
}
