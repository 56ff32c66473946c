/**
 * Which frame names are unsymbolized. The profile model names a location it could not symbolize from its address
 * (lib/profile/frame-names.ts): `<module>+0x<offset>`, `0x<address>`, `[unknown]` or `<module> [unknown]`. The
 * pattern is RE2 (ClickHouse's `match`) and JavaScript at once, so SQL and app code classify frames the same way.
 */
export const UNSYMBOLIZED_PATTERN = '^(0x[0-9a-fA-F]+|.+\\+0x[0-9a-fA-F]+|(.+ )?\\[unknown\\])$';

const UNSYMBOLIZED = new RegExp(UNSYMBOLIZED_PATTERN);

export function isUnsymbolized(frame: string): boolean {
  return UNSYMBOLIZED.test(frame);
}
