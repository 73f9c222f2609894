/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum GCS keeps for every object. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** An incremental CRC-32C. */
export class Crc32c {
  private state = 0xffffffff;

  update(bytes: Uint8Array): this {
    let c = this.state;
    for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
    this.state = c;
    return this;
  }

  /** The checksum as an unsigned 32-bit integer. */
  value(): number {
    return (this.state ^ 0xffffffff) >>> 0;
  }

  /** The checksum as GCS writes it: base64 of its 4 big-endian bytes. */
  base64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value());
    return out.toString('base64');
  }
}
