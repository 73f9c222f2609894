import pLimit from 'p-limit';

/**
 * Answers decoded at once, process-wide. Decoding runs on the one main thread: when hundreds of
 * answers land together (many slow upstream calls finishing at the same moment), reading them all
 * at once makes each event-loop turn process hundreds of sockets' chunks, and every other request
 * waits. Reading a few at a time keeps turns short; the rest wait in their sockets' buffers
 * (TCP backpressure), so total throughput is unchanged.
 */
const slots = pLimit(4);

/** Runs `read` when a decoding slot is free. */
export function withAnswerReadSlot<T>(read: () => Promise<T>): Promise<T> {
  return slots(read);
}
