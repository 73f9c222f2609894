/** `bytes` as a Buffer over the same memory, not a copy (a custom carrier or a stream may hand over a plain Uint8Array). */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
