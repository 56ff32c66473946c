/** api.md: values are JSON numbers while exact (|v| <= 2^53 - 1), strings beyond. */
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

export function jsonInt(v: bigint): number | string {
  return v <= MAX && v >= -MAX ? Number(v) : v.toString();
}
