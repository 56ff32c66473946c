/**
 * Frame names of a decoded profile, per location, computed once per location and interned in a FrameHashCache.
 *
 * - A location with lines gives one frame per line. pprof lists a location's lines innermost first (line[0] is the
 *   inlined callee), so they are emitted in reverse: the caller root-ward, the inlined callee leaf-ward.
 * - A line's name is its function's name (else system_name). Scripting spies (pyspy, rbspy, scripting) get
 *   Pyroscope's `"<filename> <name>"` rename; pyspy keeps names whose file name is absolute (compat-details §1.6).
 * - A location without a usable name (no line, or a line whose function has no name) is named from its address,
 *   never dropped: `<module>+0x<offset>` with module = the mapping file's base name (else its build id) and
 *   offset = address - memory_start + file_offset; `0x<address>` without a named mapping (or when the address lies
 *   below the mapping); with no address either, `[unknown]`, or `<module> [unknown]` when the mapping is named.
 */
import { joinUint64, type DecodedPprof } from './decoded-pprof.ts';
import type { FrameHashCache } from './hash.ts';
import { i32 } from './scratch-arrays.ts';

const SCRIPTING_SPIES = new Set(['pyspy', 'rbspy', 'scripting']);

export function isScriptingSpy(spyName: string | undefined): boolean {
  return spyName !== undefined && SCRIPTING_SPIES.has(spyName);
}

function baseName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash === -1 ? path : path.slice(slash + 1);
}

function hex(hi: number, lo: number): string {
  return hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
}

export class LocationFrames {
  /** Frame ids (FrameHashCache indices) of location i, root-ward first: flat[start[i] .. start[i] + count[i]). */
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly flat: number[] = [];
  private readonly p: DecodedPprof;
  private readonly frames: FrameHashCache;
  private readonly scripting: boolean;
  private readonly pyspy: boolean;
  /** Frame id per function row, -1 until computed, -2 for a function without a name. */
  private readonly functionFrame: Int32Array;

  constructor(p: DecodedPprof, frames: FrameHashCache, spyName: string | undefined) {
    this.p = p;
    this.frames = frames;
    this.scripting = isScriptingSpy(spyName);
    this.pyspy = spyName === 'pyspy';
    this.start = i32(p.locations.count).fill(-1);
    this.count = i32(p.locations.count);
    this.functionFrame = i32(p.functions.count).fill(-1);
  }

  /** Makes sure location `loc`'s frames are computed; returns their count. */
  ensure(loc: number): number {
    if (this.start[loc] !== -1) return this.count[loc] as number;
    const p = this.p;
    const lineStart = p.locations.lineStart[loc] as number;
    const lineEnd = p.locations.lineStart[loc + 1] as number;
    this.start[loc] = this.flat.length;
    if (lineEnd === lineStart) {
      this.flat.push(this.frames.intern(this.unsymbolizedName(loc)));
    } else {
      for (let j = lineEnd - 1; j >= lineStart; j--) {
        let frame = this.functionFrameId(p.lineFunctionIndex[j] as number);
        if (frame === -2) frame = this.frames.intern(this.unsymbolizedName(loc));
        this.flat.push(frame);
      }
    }
    const n = this.flat.length - (this.start[loc] as number);
    this.count[loc] = n;
    return n;
  }

  private functionFrameId(fn: number): number {
    let id = this.functionFrame[fn] as number;
    if (id !== -1) return id;
    const name = this.functionName(fn);
    id = name === '' ? -2 : this.frames.intern(name);
    this.functionFrame[fn] = id;
    return id;
  }

  private functionName(fn: number): string {
    const f = this.p.functions;
    const strings = this.p.strings;
    let name = strings.get(f.name[fn] as number);
    if (name === '') name = strings.get(f.systemName[fn] as number);
    if (this.scripting) {
      const filename = strings.get(f.filename[fn] as number);
      if (!(this.pyspy && filename.startsWith('/'))) name = `${filename} ${name}`;
    }
    return name;
  }

  /** The address-based name of a location (see the file comment). */
  unsymbolizedName(loc: number): string {
    const p = this.p;
    const addrHi = p.locations.addressHi[loc] as number;
    const addrLo = p.locations.addressLo[loc] as number;
    const m = p.locationMappingIndex[loc] as number;
    let module = '';
    if (m !== -1) {
      module = baseName(p.strings.get(p.mappings.filename[m] as number));
      if (module === '') module = p.strings.get(p.mappings.buildId[m] as number);
    }
    if (addrHi === 0 && addrLo === 0) return module === '' ? '[unknown]' : `${module} [unknown]`;
    if (module !== '') {
      const mp = p.mappings;
      const offset =
        joinUint64(addrHi, addrLo) -
        joinUint64(mp.memoryStartHi[m] as number, mp.memoryStartLo[m] as number) +
        joinUint64(mp.fileOffsetHi[m] as number, mp.fileOffsetLo[m] as number);
      if (offset >= 0n) return `${module}+0x${offset.toString(16)}`;
    }
    return `0x${hex(addrHi, addrLo)}`;
  }
}
