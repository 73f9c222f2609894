/** The one thing the routes ask of headers: a value by (lowercase) name. A Web `Headers` is one. */
export interface HeaderLookup {
  /** The header's value (a repeated header's values joined with `, `), or null. */
  get(name: string): string | null;
}

/** A request body read chunk by chunk; a Web `ReadableStreamDefaultReader` is one. */
export interface BodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** Stops reading: the rest is not wanted (a pending read then ends). */
  cancel(): Promise<void>;
}

/**
 * A request to one of the relay's POST routes, as they read it, whatever server carried it: a Web
 * `Request` (`relay.fetch`) or a `node:http` request (the Node adapters, which so skip building Web
 * objects: in Node 20 a `Request` and a `Response` cost about 1 ms per request between them).
 */
export interface Incoming {
  readonly method: string;
  readonly headers: HeaderLookup;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  /** A reader of the body, or null when there is none. Called once. */
  body(): BodyReader | null;
  /** The request as a Web `Request`, for `authorize` (built when asked; its body is the route's to read). */
  request(): Request;
}

/** A Web `Request` as an {@link Incoming}. */
export function webIncoming(request: Request): Incoming {
  return {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: () => request.body?.getReader() ?? null,
    request: () => request,
  };
}
