import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { parseFaultHeader, type Fault } from '../faults.js';
import { answerImage, answerWithoutImage } from '../generate/answer-images.js';
import { GEMINI_REQUEST_LIMIT, InvalidRequest, parseGenerateContent } from '../generate/parse-request.js';
import { invalidArgument, statusAnswer, type PlannedAnswer } from '../google-errors.js';
import { deliver, deliverSlowly, sleep, untilAborted, type Delivery } from '../http/deliver.js';
import { readBody } from '../http/read-body.js';
import type { RecordedRequest } from '../recorded-request.js';
import { authenticate } from './authenticate.js';
import type { GenerateContentRoute } from './match-route.js';

/** Vertex takes up to 14 images of 7 MB each; bodies beyond this are drained, not kept. */
const VERTEX_REQUEST_LIMIT = 200 * 1024 * 1024;

/**
 * `POST …:generateContent` on either surface: authenticate, pick the fault (header first, then the
 * script queue), validate, render, then answer no sooner than the configured latency.
 */
export async function handleGenerateContent(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
  route: GenerateContentRoute,
  url: URL,
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  let body;
  try {
    body = await readBody(req, route.kind === 'gemini' ? GEMINI_REQUEST_LIMIT : VERTEX_REQUEST_LIMIT);
  } catch {
    return; // client went away mid-upload
  }
  let parsed: unknown;
  let parseError: string | undefined;
  if (body.bytes) {
    const text = body.bytes.toString('utf8');
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      parseError = (error as Error).message;
      parsed = text;
    }
  }
  record.body = parsed;

  const apiKey = route.kind === 'gemini' ? (headerValue(req, 'x-goog-api-key') ?? url.searchParams.get('key') ?? undefined) : undefined;
  if (apiKey !== undefined) record.apiKey = apiKey;

  let fault: Fault | undefined;
  let answer = authenticate(ctx, req, route, apiKey);
  if (!answer) {
    // Faults hit authenticated model calls only: a rejected key never consumes a scripted fault.
    const header = headerValue(req, 'x-emulator-fault');
    try {
      fault = header !== undefined ? parseFaultHeader(header) : ctx.faults.take({ kind: route.kind, apiKey, project: route.kind === 'vertex' ? route.project : undefined });
    } catch (error) {
      answer = invalidArgument((error as Error).message);
    }
  }
  if (fault?.type === 'hang') {
    await untilAborted(signal);
    return;
  }
  answer ??= await plan(ctx, route, fault, body.size, body.bytes === undefined, parsed, parseError);

  const delay = ctx.latencyMs + (fault?.type === 'latency' ? fault.ms : 0);
  if (!(await sleep(started + delay - Date.now(), signal))) return;
  if (fault?.type === 'slowBody') {
    await deliverSlowly(res, record, answer, fault.bytesPerSecond, signal);
    return;
  }
  const delivery: Delivery =
    fault?.type === 'reset' || fault?.type === 'stall' || fault?.type === 'truncated' || fault?.type === 'garbled' ? fault.type : 'normal';
  deliver(res, record, answer, delivery);
}

/** The answer to an authenticated call: the fault's, a validation error, or the model's. */
async function plan(
  ctx: EmulatorContext,
  route: GenerateContentRoute,
  fault: Fault | undefined,
  size: number,
  tooLarge: boolean,
  body: unknown,
  parseError: string | undefined,
): Promise<PlannedAnswer> {
  if (fault?.type === 'status') return statusAnswer(fault);
  if (tooLarge || (route.kind === 'gemini' && size > GEMINI_REQUEST_LIMIT)) {
    return invalidArgument(`Request payload size exceeds the limit: ${route.kind === 'gemini' ? GEMINI_REQUEST_LIMIT : VERTEX_REQUEST_LIMIT} bytes.`);
  }
  if (parseError !== undefined) return invalidArgument(`Invalid JSON payload received. ${parseError}`);
  let spec;
  try {
    spec = await parseGenerateContent(body, route.kind, route.model);
  } catch (error) {
    if (error instanceof InvalidRequest) return invalidArgument(error.message);
    throw error;
  }
  const answerContext = { surface: route.kind, model: route.model, spec };
  switch (fault?.type) {
    case 'finishReason':
    case 'blockReason':
    case 'noImage':
      return answerWithoutImage(answerContext, fault);
    default:
      if (!spec.wantsImage) return answerWithoutImage(answerContext, { type: 'noImage' });
      return answerImage(ctx.renderer, answerContext, {
        format: fault?.type === 'format' ? fault.format : spec.format,
        declaredMimeType: fault?.type === 'mislabel' ? fault.mimeType : undefined,
        damage: fault?.type === 'badImage' ? fault.damage : undefined,
      });
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

