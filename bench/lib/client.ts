import http from 'node:http';
import { PROMPT } from './upstream.js';

/** What the driver asks the relay for. */
export interface RouteRequest {
  resolution: '1K' | '4K';
  outputFormat?: 'png' | 'jpg';
}

/** The driver's side of the Express route: keep-alive HTTP, one JSON answer per call. */
export class RelayClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  readonly #url: URL;

  constructor(origin: string) {
    this.#url = new URL('/v1/images/generations', origin);
  }

  /** POSTs one generation and resolves with its latency in ms; throws unless the answer is a 200 with a URL. */
  async generate(request: RouteRequest): Promise<number> {
    const body = JSON.stringify({
      model: 'nano-banana-pro',
      prompt: PROMPT,
      resolution: request.resolution,
      aspect_ratio: '1:1',
      output_format: request.outputFormat ?? 'png',
    });
    const started = performance.now();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        this.#url,
        { method: 'POST', agent: this.#agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const elapsed = performance.now() - started;
    const answer = JSON.parse(text) as { data?: Array<{ url?: string }> };
    if (status !== 200 || !answer.data?.[0]?.url) throw new Error(`relay answered ${status}: ${text.slice(0, 300)}`);
    return elapsed;
  }

  close(): void {
    this.#agent.destroy();
  }
}
