// The RESP request parser and reply scanner under random input: RESP-shaped tokens, valid
// commands with flipped bytes and cut short, inline lines, and raw bytes, each fed in up to three
// reads. Neither may throw anything but its protocol error, or hang. And every input the parser
// accepts whole is one redis-server accepts: the same number of commands, no protocol error.
// PARSER_FUZZ_RUNS (20,000 here) and PARSER_FUZZ_SEED run it longer (README, "Tests").
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis } from '@pod-patterns/testing';
import fc from 'fast-check';
import { ReplyProtocolError, ReplyScanner } from '../src/resp/reply-scanner.js';
import { encodeCommand, ProtocolError, RequestParser } from '../src/resp/request-parser.js';

const RUNS = Number(process.env.PARSER_FUZZ_RUNS ?? 20_000);
const SEED = Number(process.env.PARSER_FUZZ_SEED ?? 20261204);
/** Accepted inputs replayed to redis-server: enough to cover the shapes, few enough for CI. */
const REPLAYED = Math.min(2000, Math.max(300, RUNS / 50));
const LIMITS = { maxBulkBytes: 4096, maxArgs: 64, maxInlineBytes: 256 };

const TOKENS = ['*', '$', ':', '+', '-', '\r\n', '\r', '\n', '0', '1', '2', '3', '-1', '10', '99999999999'];
const WORDS = ['GET', 'SET', 'PING', 'ECHO', 'MGET', 'k', 'v', ' ', '"', "'", '\t', '\\x41', '\\', '{', '\u0000', ''];
const shaped = fc
  .array(fc.constantFrom(...TOKENS, ...WORDS), { maxLength: 40 })
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));
const mutated = fc
  .tuple(
    fc.array(
      fc.array(fc.constantFrom('GET', 'SET', 'PING', 'ECHO', 'k', 'v', 'hello world', ''), {
        minLength: 1,
        maxLength: 4,
      }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
    fc.option(fc.nat()),
  )
  .map(([commands, flips, cut]) => {
    const wire = Buffer.concat(commands.map((c) => encodeCommand(c)));
    for (const [at, byte] of flips) wire[at % wire.length] = byte;
    return cut === null ? wire : wire.subarray(0, cut % (wire.length + 1));
  });
const inline = fc
  .array(fc.array(fc.constantFrom(...WORDS), { maxLength: 5 }), { minLength: 1, maxLength: 3 })
  .map((lines) => Buffer.from(lines.map((w) => `${w.join(' ')}\r\n`).join(''), 'latin1'));
const raw = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
/** An input and where its reads are cut. */
const fed = fc.tuple(fc.oneof(shaped, mutated, inline, raw), fc.nat(), fc.nat());

function reads(input: Buffer, a: number, b: number): Buffer[] {
  const [x, y] = [a % (input.length + 1), b % (input.length + 1)].sort((p, q) => p - q) as [number, number];
  return [input.subarray(0, x), input.subarray(x, y), input.subarray(y)];
}

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

/** What redis-server makes of `input` on a connection of its own: replies read, and whether it closed on us. */
async function redisReads(input: Buffer, expected: number): Promise<{ replies: string[]; closed: boolean }> {
  const socket = connect(redis.port, '127.0.0.1');
  await once(socket, 'connect');
  const scanner = new ReplyScanner();
  const replies: string[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => replies.push(...scanner.push(chunk).map((r) => r.toString('latin1'))));
  socket.on('close', () => {
    closed = true;
  });
  socket.write(input);
  const end = Date.now() + 1000;
  while (replies.length < expected && !closed && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20)); // a reply too many would come now
  socket.destroy();
  return { replies, closed };
}

test(`request parser: ${RUNS} random inputs in up to three reads throw only ProtocolError; what it accepts, redis-server accepts (seed ${SEED})`, async () => {
  const accepted = new Map<string, number>();
  fc.assert(
    fc.property(fed, ([input, a, b]) => {
      const parser = new RequestParser(LIMITS);
      let commands = 0;
      try {
        for (const read of reads(input, a, b)) parser.push(read, () => commands++);
      } catch (error) {
        if (error instanceof ProtocolError) return;
        throw error;
      }
      if (commands > 0 && parser.pending === 0 && accepted.size < REPLAYED)
        accepted.set(input.toString('latin1'), commands);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assert.ok(accepted.size >= 100, `${accepted.size} accepted inputs to replay`);
  const disagreements: string[] = [];
  for (const [text, commands] of accepted) {
    const { replies, closed } = await redisReads(Buffer.from(text, 'latin1'), commands);
    if (replies.length !== commands || closed || replies.some((r) => r.startsWith('-ERR Protocol error')))
      disagreements.push(
        `${JSON.stringify(text)}: ${commands} commands here; redis-server: ${JSON.stringify(replies)}${closed ? ', closed' : ''}`,
      );
  }
  assert.deepEqual(disagreements, [], `of ${accepted.size} inputs the parser accepted`);
});

test(`reply scanner: ${RUNS} random inputs in up to three reads throw only ReplyProtocolError (seed ${SEED})`, () => {
  const replyTokens = fc
    .array(fc.constantFrom(...TOKENS, 'OK', 'ERR x', 'hello', '%', '~', '_'), { maxLength: 40 })
    .map((parts) => Buffer.from(parts.join(''), 'latin1'));
  fc.assert(
    fc.property(fc.tuple(fc.oneof(replyTokens, raw, mutated), fc.nat(), fc.nat()), ([input, a, b]) => {
      const scanner = new ReplyScanner();
      try {
        for (const read of reads(input, a, b)) scanner.push(read);
      } catch (error) {
        if (!(error instanceof ReplyProtocolError)) throw error;
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});
