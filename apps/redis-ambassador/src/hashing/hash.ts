// Key hashes, bit for bit as twemproxy (nutcracker) computes them, so that the same server list
// puts every key on the same server under either proxy and one can replace the other without
// moving data. Each returns an unsigned 32-bit integer. A test checks them against nutcracker.
import { createHash } from 'node:crypto';

export type HashFunction = (key: Buffer) => number;

/**
 * twemproxy's "fnv1a_64" is 32-bit arithmetic with the 64-bit constants truncated, and reads
 * bytes as C's signed char: bytes from 0x80 up are sign-extended before the xor.
 */
export function fnv1a64(key: Buffer): number {
  let hash = 0x84222325; // (uint32_t) 0xcbf29ce484222325
  for (let i = 0; i < key.length; i++) {
    const byte = key[i] as number;
    hash ^= byte >= 0x80 ? byte | 0xffffff00 : byte;
    hash = Math.imul(hash, 0x1b3); // (uint32_t) 0x100000001b3
  }
  return hash >>> 0;
}

export function fnv1a32(key: Buffer): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    const byte = key[i] as number;
    hash ^= byte >= 0x80 ? byte | 0xffffff00 : byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The first four bytes of the MD5 digest, little-endian (also ketama's point hash, alignment 0). */
export function md5(key: Buffer): number {
  return createHash('md5').update(key).digest().readUInt32LE(0);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc(key: Buffer): number {
  let value = 0xffffffff;
  for (let i = 0; i < key.length; i++)
    value = (CRC_TABLE[(value ^ (key[i] as number)) & 0xff] as number) ^ (value >>> 8);
  return value >>> 0;
}

/** twemproxy's "crc32": the libmemcached variant, 15 bits of the CRC. */
export function crc32(key: Buffer): number {
  return ((~crc(key) >>> 16) & 0x7fff) >>> 0;
}

/** twemproxy's "crc32a": the whole CRC-32. */
export function crc32a(key: Buffer): number {
  return (crc(key) ^ 0xffffffff) >>> 0;
}

/** MurmurHash2 with twemproxy's seed (0xdeadbeef times the length). */
export function murmur(key: Buffer): number {
  const m = 0x5bd1e995;
  let length = key.length;
  let h = (Math.imul(0xdeadbeef, length) ^ length) >>> 0;
  let i = 0;
  while (length >= 4) {
    let k = key.readUInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
    i += 4;
    length -= 4;
  }
  // The tail bytes, as MurmurHash2's fall-through switch takes them.
  if (length >= 3) h ^= (key[i + 2] as number) << 16;
  if (length >= 2) h ^= (key[i + 1] as number) << 8;
  if (length >= 1) {
    h ^= key[i] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

export const HASHES: Record<string, HashFunction> = {
  fnv1a_64: fnv1a64,
  fnv1a_32: fnv1a32,
  md5,
  crc32,
  crc32a,
  murmur,
};

/** The part of the key that is hashed: what is inside the first `{…}`, when that is not empty. */
export function hashTagged(key: Buffer, tag: string): Buffer {
  if (tag.length !== 2) return key;
  const open = key.indexOf(tag.charCodeAt(0));
  if (open < 0) return key;
  const close = key.indexOf(tag.charCodeAt(1), open + 1);
  return close > open + 1 ? key.subarray(open + 1, close) : key;
}
