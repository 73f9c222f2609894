import { RelayError } from '../contract/errors.js';

/** The `code` of every error a reference download can end with. */
export type ReferenceErrorCode =
  | 'invalid_image_url'
  | 'image_url_forbidden'
  | 'image_download_failed'
  | 'image_too_large'
  | 'unsupported_image_type';

/**
 * A reference failure that does not yet know its `image_input` index: thrown by the policy,
 * download and verify steps, and turned into a {@link RelayError} by {@link toReferenceError}.
 * `detail` completes the sentence `image_input[i] ...`; it may name the host the caller gave,
 * never a resolved address or anything internal (those go to `cause`).
 */
export class ReferenceFailure extends Error {
  readonly code: ReferenceErrorCode;
  readonly detail: string;

  constructor(code: ReferenceErrorCode, detail: string, cause?: unknown) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = 'ReferenceFailure';
    this.code = code;
    this.detail = detail;
  }
}

/** The 400 RelayError for a failed reference at `index` (`param: image_input[index]`). */
export function toReferenceError(failure: ReferenceFailure, index: number): RelayError {
  return new RelayError(400, `image_input[${index}] ${failure.detail}`, {
    param: `image_input[${index}]`,
    code: failure.code,
    cause: failure.cause ?? failure,
  });
}

/** Quotes a caller-given host for a message: bounded and stripped of anything but host characters. */
export function quoteHost(host: string): string {
  const safe = host.replace(/[^a-zA-Z0-9.\-:[\]_]/g, '');
  return `"${safe.length > 100 ? `${safe.slice(0, 100)}…` : safe}"`;
}
