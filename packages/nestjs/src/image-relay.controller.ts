import { serveNode, type Relay } from '@banana-relay/core';
import { All, Controller, Inject, Logger, Req, Res, UseFilters, type Type } from '@nestjs/common';
import type { Request, Response } from 'express';
import { answering } from './answers-in-flight.js';
import { IMAGE_RELAY } from './image-relay.options.js';
import { OpenAIExceptionFilter } from './openai-exception.filter.js';

/** The raw (still percent-encoded) path from `/{prefix}/` on: the relay does its own safe decoding. */
function artifactPath(req: Request, prefix: string): string {
  const raw = req.originalUrl.split('?')[0] ?? '';
  const at = raw.indexOf(`/${prefix}/`);
  return at < 0 ? raw : raw.slice(at);
}

let warnedAboutBodyParser = false;

/** Says once that Nest's JSON body parser ran before the relay: its limit and its errors then apply. */
function warnIfParsedByHost(req: Request): void {
  if (warnedAboutBodyParser || req.body === undefined) return;
  warnedAboutBodyParser = true;
  new Logger('ImageRelayModule').warn(
    "Nest's JSON body parser read this route's body first: its 100 KB limit and its error format apply, not the relay's. Create the app with NestFactory.create(AppModule, { bodyParser: false }) (see the README).",
  );
}

/**
 * Builds the controller for the configured paths. It is an ordinary Nest controller, so the host's
 * guards, interceptors and pipes apply; it only hands the request to the relay (`serveNode`).
 */
export function createImageRelayController(path: string, artifactPrefix: string, extraPaths: string[]): Type<unknown> {
  @Controller()
  @UseFilters(OpenAIExceptionFilter)
  class ImageRelayController {
    constructor(@Inject(IMAGE_RELAY) private readonly relay: Relay) {}

    @All(path)
    async generate(@Req() req: Request, @Res() res: Response): Promise<void> {
      warnIfParsedByHost(req);
      const pathname = req.originalUrl.split('?')[0] ?? path;
      await answering(this.relay, () => serveNode(this.relay, req, res, pathname, { routePath: pathname }));
    }

    @All(extraPaths)
    async extra(@Req() req: Request, @Res() res: Response): Promise<void> {
      const pathname = req.originalUrl.split('?')[0] ?? '/';
      // Under a global prefix (`app.setGlobalPrefix('api')`) the relay is given the path it knows. The
      // OpenAPI document's paths stay relative to the prefix, as under an Express mount (its `servers`
      // option names the prefix); the generation path is passed as configured in the module.
      const own = extraPaths.find((p) => pathname.endsWith(p)) ?? pathname;
      await answering(this.relay, () => serveNode(this.relay, req, res, own, { routePath: path }));
    }

    @All(`${artifactPrefix}/*key`)
    async artifact(@Req() req: Request, @Res() res: Response): Promise<void> {
      await serveNode(this.relay, req, res, artifactPath(req, artifactPrefix));
    }
  }
  return ImageRelayController;
}
