/** One part of a multipart body. */
export interface BodyPart {
  /** Header names lowercased. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The boundary of a `multipart/*` Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /^multipart\/[\w.+-]+\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

/**
 * Splits a `multipart/related` body (RFC 2046; the JSON API's multipart upload: a JSON resource, then
 * the media) into its parts. Returns undefined when the body is not well-formed.
 */
export function parseMultipart(body: Buffer, boundary: string): BodyPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  const parts: BodyPart[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts; // the close delimiter
    if (body.subarray(at, at + 2).toString() !== '\r\n') return undefined;
    // Searched from the delimiter's own CRLF, so a part without headers is found too.
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd < 0) return undefined;
    const headers: Record<string, string> = {};
    const headerBlock = headersEnd > at ? body.subarray(at + 2, headersEnd).toString('latin1') : '';
    for (const line of headerBlock === '' ? [] : headerBlock.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) return undefined;
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // A part's body ends at CRLF followed by the next delimiter.
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next < 0) return undefined;
    parts.push({ headers, body: body.subarray(headersEnd + 4, next) });
    at = next + 2;
  }
}
