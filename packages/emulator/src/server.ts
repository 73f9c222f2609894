import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { handleGcs } from './gcs/handle-gcs.js';
import { isGcsXmlRequest } from './gcs/gcs-routes.js';
import { googleError } from './google-errors.js';
import { deliver, wasResetByEmulator } from './http/deliver.js';
import type { RecordedRequest } from './recorded-request.js';
import { handleGenerateContent } from './routes/generate-content.js';
import { matchRoute } from './routes/match-route.js';
import { handleToken } from './routes/token.js';

/** The emulator's HTTP server. */
export interface EmulatorServer {
  server: Server;
  /** Stops listening, destroys every connection (hung ones included) and waits until each exchange is closed and recorded. */
  close(): Promise<void>;
}

/** An HTTP server dispatching to the emulator's routes and recording every request. */
export function createEmulatorServer(ctx: EmulatorContext): EmulatorServer {
  const open = new Map<ServerResponse, Promise<void>>();
  const server = createServer((req, res) => {
    open.set(res, new Promise<void>((resolve) => res.once('close', () => resolve())));
    res.once('close', () => open.delete(res));
    void handle(ctx, req, res);
  });
  // Google's front ends keep an idle connection open for minutes. Node's default (5 s) closed
  // sockets whose answer had arrived whole but was still waiting, unread, in a busy client's buffers,
  // which undici then reports as "other side closed".
  server.keepAliveTimeout = 120_000;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const stopped = new Promise<void>((done) => server.close(() => done()));
      // Hung and keep-alive sockets would otherwise hold close() forever.
      server.closeAllConnections();
      void Promise.all([stopped, ...open.values()]).then(() => resolve());
    });
    return closing;
  };
  return { server, close };
}

async function handle(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const route = matchRoute(url.pathname);
  const record: RecordedRequest = {
    kind: route.kind,
    method: req.method ?? 'GET',
    path: url.pathname,
    headers: flattenHeaders(req),
    body: undefined,
    status: 0,
    receivedAt: Date.now(),
  };
  if (route.kind === 'gemini' || route.kind === 'vertex') record.model = route.model;
  if (route.kind === 'vertex') {
    record.project = route.project;
    record.location = route.location;
  }
  ctx.requests.push(record);
  if (ctx.requests.length > ctx.maxRecordedRequests) ctx.requests.splice(0, ctx.requests.length - ctx.maxRecordedRequests);

  // 'close' fires once the answer is done or the client went away: either way, stop waiting.
  const abort = new AbortController();
  res.on('close', () => {
    record.closedAt = Date.now();
    if (!res.writableFinished && !wasResetByEmulator(res)) record.aborted = true;
    abort.abort();
  });

  try {
    if (route.kind === 'gcs' || (route.kind === 'other' && isGcsXmlRequest(ctx.gcs, req.method, url.pathname))) {
      await handleGcs(ctx.gcs, ctx.authority, req, res, record, url);
    } else if (req.method !== 'POST' || route.kind === 'other') {
      req.resume();
      deliver(res, record, googleError(404, `The requested URL ${url.pathname} was not found on this server.`));
    } else if (route.kind === 'token') {
      await handleToken(ctx, req, res, record);
    } else {
      await handleGenerateContent(ctx, req, res, record, route, url, abort.signal);
    }
  } catch (error) {
    // A bug in the emulator must still produce an answer, not a hung test.
    if (!res.headersSent && !res.destroyed) deliver(res, record, googleError(500, `Emulator error: ${String(error)}`));
    else res.destroy();
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
