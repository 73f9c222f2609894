import { RelayError, toRelayError } from '@banana-relay/core';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/** Maps a Nest HttpException (a guard's 403, a throttler's 429...) to the relay's error shape. */
function fromHttpException(exception: HttpException): RelayError {
  const status = exception.getStatus();
  const body = exception.getResponse();
  const message =
    typeof body === 'string' ? body : typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : exception.message;
  return new RelayError(status, message, { code: exception.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() });
}

/**
 * Scoped to the relay's controller, so it wins over a host's global filters: whatever stops a request
 * on these routes (guards, interceptors, pipes), the caller gets the OpenAI error shape.
 */
@Catch()
export class OpenAIExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = exception instanceof HttpException ? fromHttpException(exception) : toRelayError(exception);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(error.retryAfterSeconds));
    res.status(error.status).json(error.toJSON());
  }
}
