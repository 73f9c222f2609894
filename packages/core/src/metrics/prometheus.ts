/**
 * Prometheus metrics of a relay, fed from its events: `@banana-relay/core/metrics`.
 * A separate entry point so that prom-client is loaded only by apps that use it.
 *
 * @example
 * import { prometheusMetrics } from '@banana-relay/core/metrics';
 * const metrics = prometheusMetrics();
 * const relay = createRelay({ ..., onEvent: metrics.onEvent });
 * app.get('/metrics', async (_req, res) => void res.type(metrics.contentType).send(await metrics.metrics()));
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RelayEvent, RelayEventListener } from '../events/relay-events.js';

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * Where the metrics are registered. Default: a new Registry of their own (two relays in one process
   * do not clash). Pass prom-client's global `register` to expose them next to your other metrics.
   */
  registry?: Registry;
  /** Prefix of every metric name. Default `banana_relay_`. */
  prefix?: string;
  /** Buckets of the request duration, in seconds. Default 0.5 s to 5 min (4K images take a while). */
  requestBuckets?: number[];
  /** Buckets of the upstream call duration, in seconds. */
  attemptBuckets?: number[];
}

/** The metrics and the listener that feeds them. */
export interface PrometheusMetrics {
  /** Pass to `createRelay({ onEvent })` (or call it from your own listener). */
  onEvent: RelayEventListener;
  /** The registry holding the metrics. */
  registry: Registry;
  /** The text exposition of the registry, for a `/metrics` route. */
  metrics(): Promise<string>;
  /** The Content-Type of {@link PrometheusMetrics.metrics}. */
  contentType: string;
}

const REQUEST_BUCKETS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const ATTEMPT_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const HEALTH_STATUSES = ['healthy', 'cooling_down', 'half_open', 'misconfigured', 'rate_limited'] as const;

/**
 * Creates Prometheus metrics fed from relay events:
 * - `requests_total{status,resolution}`, `request_duration_seconds{outcome,resolution}`, `requests_in_flight`,
 *   `images_generated_total{resolution}`;
 * - `carrier_attempts_total{carrier,outcome}` (outcome `ok` or the failure kind),
 *   `carrier_attempt_duration_seconds{carrier,outcome}`, `carrier_fallbacks_total{from,to,reason}`,
 *   `carrier_status{carrier,status}` (1 for the carrier's current health status);
 * - `archived_bytes_total{format}`, `images_archived_total{format,carrier}`.
 *
 * No label carries a user, principal or prompt: label values come from small fixed sets and carrier ids.
 */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'banana_relay_';
  const registers = [registry];

  const requests = new Counter({
    name: `${p}requests_total`,
    help: 'Requests answered, by HTTP status and resolution (none when the request was refused before validation).',
    labelNames: ['status', 'resolution'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: `${p}request_duration_seconds`,
    help: 'Time from receiving a request to answering it, by outcome (ok or error) and resolution.',
    labelNames: ['outcome', 'resolution'] as const,
    buckets: options.requestBuckets ?? REQUEST_BUCKETS,
    registers,
  });
  const inFlight = new Gauge({ name: `${p}requests_in_flight`, help: 'Accepted requests not answered yet.', registers });
  const generated = new Counter({
    name: `${p}images_generated_total`,
    help: 'Images returned to callers, by resolution.',
    labelNames: ['resolution'] as const,
    registers,
  });
  const attempts = new Counter({
    name: `${p}carrier_attempts_total`,
    help: 'Upstream calls, by carrier and outcome (ok, or the failure kind).',
    labelNames: ['carrier', 'outcome'] as const,
    registers,
  });
  const attemptDuration = new Histogram({
    name: `${p}carrier_attempt_duration_seconds`,
    help: 'Duration of upstream calls, by carrier and outcome (ok or error).',
    labelNames: ['carrier', 'outcome'] as const,
    buckets: options.attemptBuckets ?? ATTEMPT_BUCKETS,
    registers,
  });
  const fallbacks = new Counter({
    name: `${p}carrier_fallbacks_total`,
    help: 'Calls moved to another carrier after a retryable failure, by the carrier left, the one tried next and the reason.',
    labelNames: ['from', 'to', 'reason'] as const,
    registers,
  });
  const carrierStatus = new Gauge({
    name: `${p}carrier_status`,
    help: "1 for each carrier's current health status (known from the first change), 0 for the others.",
    labelNames: ['carrier', 'status'] as const,
    registers,
  });
  const archivedBytes = new Counter({
    name: `${p}archived_bytes_total`,
    help: 'Bytes of images written to storage, by format.',
    labelNames: ['format'] as const,
    registers,
  });
  const archived = new Counter({
    name: `${p}images_archived_total`,
    help: 'Images written to storage, by format and carrier.',
    labelNames: ['format', 'carrier'] as const,
    registers,
  });

  // In flight from acceptance to answer; requests refused at validation were never in flight.
  const accepted = new Set<string>();

  const onEvent = (event: RelayEvent): void => {
    switch (event.type) {
      case 'request.accepted':
        if (!accepted.has(event.requestId)) {
          accepted.add(event.requestId);
          inFlight.inc();
        }
        break;
      case 'request.finished': {
        if (accepted.delete(event.requestId)) inFlight.dec();
        const resolution = event.resolution ?? 'none';
        requests.inc({ status: String(event.status), resolution });
        requestDuration.observe({ outcome: event.status < 400 ? 'ok' : 'error', resolution }, event.latencyMs / 1000);
        if (event.images > 0) generated.inc({ resolution }, event.images);
        break;
      }
      case 'carrier.attempt':
        attempts.inc({ carrier: event.carrierId, outcome: event.ok ? 'ok' : (event.error ?? 'error') });
        attemptDuration.observe({ carrier: event.carrierId, outcome: event.ok ? 'ok' : 'error' }, event.latencyMs / 1000);
        break;
      case 'carrier.fallback':
        fallbacks.inc({ from: event.from, to: event.to, reason: event.reason });
        break;
      case 'carrier.health':
        for (const status of HEALTH_STATUSES) carrierStatus.set({ carrier: event.carrierId, status }, status === event.status ? 1 : 0);
        break;
      case 'image.archived':
        archivedBytes.inc({ format: event.format }, event.bytes);
        archived.inc({ format: event.format, carrier: event.carrierId });
        break;
      default:
        break;
    }
  };

  return {
    onEvent,
    registry,
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
