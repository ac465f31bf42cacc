/**
 * The one error the notification engine throws: a delivery that failed, and whether another
 * attempt can succeed (the queue retries it, honouring a provider's `Retry-After`) or not (the
 * row is failed and the message acknowledged).
 */

/** A delivery failure; `retryable` says whether another attempt can succeed. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | null;
  constructor(message: string, retryable: boolean, cause?: unknown, retryAfterSeconds: number | null = null) {
    super(message, { cause });
    this.name = "DeliveryError";
    this.retryable = retryable;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
