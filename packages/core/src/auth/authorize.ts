/**
 * Decides who is calling. Return the principal (an id used in events, e.g. for billing) or throw a
 * `RelayError` with status 401 or 403. Without one, the host app's own middleware must protect the route.
 * It runs before the body is read, and must not read it: the body is the route's (under the Node
 * adapters, the request it is given has none).
 */
export type Authorize = (request: Request) => string | Promise<string>;
