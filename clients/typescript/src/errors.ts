/** A REST call the daemon refused: its status and its `{"detail"}` sentence. */
export class CityPulseError extends Error {
  /** The HTTP status (401, 404, 409, 422, 429, ...). */
  readonly status: number;
  /** The daemon's sentence: what was wrong and how to fix it. */
  readonly detail: string;
  /** Seconds to wait before retrying, from `Retry-After` (429 and some 503s). */
  readonly retryAfter: number | undefined;

  constructor(status: number, detail: string, retryAfter?: number) {
    super(`${status}: ${detail}`);
    this.name = "CityPulseError";
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/** The daemon could not be reached, or answered something that is not JSON. */
export class CityPulseNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CityPulseNetworkError";
  }
}
