// The host-side twin of native/guests/compute.c: the same buffer, the same
// CRC-32 rounds, so a test can check the guest's printed checksum.
export function computeChecksum(rounds: number): number {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  const buffer = new Uint8Array(4096);
  let x = 0x12345678;
  for (let i = 0; i < buffer.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    buffer[i] = x & 0xff;
  }
  let crc = 0xffffffff;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < buffer.length; i++) crc = (table[(crc ^ buffer[i]) & 0xff] ^ (crc >>> 8)) >>> 0;
    buffer[r % buffer.length] ^= crc & 0xff;
  }
  return ~crc >>> 0;
}
