/**
 * Decides who is calling. Return the principal (an id used in events, e.g. for billing) or throw a
 * `RelayError` with status 401 or 403. Without one, the host app's own middleware must protect the route.
 */
export type Authorize = (request: Request) => string | Promise<string>;
