/**
 * The one error type every module throws for input it refuses. The HTTP edges turn it into
 * api.md's body `{"error": {"code", "message"}}` with `status`; nothing else needs to know HTTP.
 */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_selector'
  | 'invalid_profile'
  | 'invalid_time_range'
  | 'missing_label'
  | 'too_large'
  | 'too_many_samples'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_selector: 400,
  invalid_profile: 400,
  invalid_time_range: 400,
  missing_label: 400,
  too_large: 413,
  too_many_samples: 400,
  rate_limited: 429,
  budget_exceeded: 429,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unavailable: 503,
  internal: 500,
};

export class HotpathError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying (429/503). */
  readonly retryAfter?: number;
  /** Machine-readable discard reason for metrics (e.g. `profile_too_large`); defaults to the code. */
  readonly reason: string;

  constructor(code: ErrorCode, message: string, opts: { retryAfter?: number; reason?: string; status?: number } = {}) {
    super(message);
    this.name = 'HotpathError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.retryAfter = opts.retryAfter;
    this.reason = opts.reason ?? code;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isHotpathError(e: unknown): e is HotpathError {
  return e instanceof HotpathError;
}
