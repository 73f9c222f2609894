/** `bytes` as a Buffer over the same memory (a custom carrier may hand back a plain Uint8Array). */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
