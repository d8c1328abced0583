import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplyScanner } from '../src/resp/reply-scanner.js';
import { type Command, encodeCommand, ProtocolError, RequestParser } from '../src/resp/request-parser.js';

const limits = { maxBulkBytes: 1024, maxArgs: 64, maxInlineBytes: 256 };
const text = (cmds: { args: Buffer[] }[]) => cmds.map((c) => c.args.map((a) => a.toString()));
/** Every command one push completes. */
function parse(parser: RequestParser, chunk: Buffer): Command[] {
  const commands: Command[] = [];
  parser.push(chunk, (command) => commands.push(command));
  return commands;
}

test('parses pipelined multibulk commands, keeping their raw bytes', () => {
  const parser = new RequestParser(limits);
  const wire = Buffer.concat([encodeCommand(['SET', 'k', 'v']), encodeCommand(['GET', 'k'])]);
  const commands = parse(parser, wire);
  assert.deepEqual(text(commands), [
    ['SET', 'k', 'v'],
    ['GET', 'k'],
  ]);
  assert.deepEqual(Buffer.concat(commands.map((c) => c.raw)), wire);
});

test('a command split at every possible byte boundary parses the same', () => {
  const wire = Buffer.concat([
    encodeCommand(['MSET', 'a', '1', 'b', 'two']),
    Buffer.from('PING\r\n'),
    encodeCommand(['GET', 'x']),
  ]);
  for (let cut = 1; cut < wire.length; cut++) {
    const parser = new RequestParser(limits);
    const commands = [...parse(parser, wire.subarray(0, cut)), ...parse(parser, wire.subarray(cut))];
    assert.deepEqual(text(commands), [['MSET', 'a', '1', 'b', 'two'], ['PING'], ['GET', 'x']], `cut at ${cut}`);
    assert.equal(parser.pending, 0);
  }
});

test('inline commands are accepted and re-encoded', () => {
  const [command] = parse(new RequestParser(limits), Buffer.from('SET  key   value\r\n'));
  assert.deepEqual(command?.args.map(String), ['SET', 'key', 'value']);
  assert.deepEqual(command?.raw, encodeCommand(['SET', 'key', 'value']));
});

test('malformed or oversized input is a ProtocolError', () => {
  for (const bad of [
    '*2\r\n$3\r\nGET\r\n:1\r\n',
    '*x\r\n',
    '*1\r\n$-5\r\n',
    '*1\r\n$3\r\nGETX\r\n',
    `*1\r\n$2000\r\n`,
    '*100\r\n',
    '*1\r\n$3\rXGET\r\n',
    '*-\r\n', // a sign with no digits is no number
    '*1\r\n$-\r\n\r\n',
  ]) {
    assert.throws(() => parse(new RequestParser(limits), Buffer.from(bad)), ProtocolError, JSON.stringify(bad));
  }
  assert.throws(
    () => parse(new RequestParser(limits), Buffer.from('x'.repeat(300))),
    ProtocolError,
    'inline line too long',
  );
});

test('an inline command with a NUL byte is a ProtocolError: redis-server never runs such a line (found by parser-fuzz)', () => {
  for (const line of ['\u0000\r\n', 'GET k\u0000\r\n', 'ECHO \u0000 k\r\n'])
    assert.throws(
      () => parse(new RequestParser(limits), Buffer.from(line, 'latin1')),
      ProtocolError,
      JSON.stringify(line),
    );
});

test('an inline line splits where Redis splits, at any whitespace: a line of one CR is no command (found by parser-fuzz)', () => {
  const commands = parse(new RequestParser(limits), Buffer.from('-1-1\n\r\r\nGET\vk\r\n', 'latin1'));
  assert.deepEqual(text(commands), [['-1-1'], ['GET', 'k']]);
});

test('fuzz: random and truncated input never throws anything but ProtocolError, never loops', () => {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const alphabet = Buffer.from('*$:+-\r\n0123456789-abcGETSET \t"');
  const valid = Buffer.concat([encodeCommand(['SET', 'key', 'value']), encodeCommand(['MGET', 'a', 'b'])]);
  for (let round = 0; round < 5000; round++) {
    const parser = new RequestParser(limits);
    const input =
      round % 2 === 0
        ? Buffer.from(
            Array.from(
              { length: Math.floor(random() * 80) },
              () => alphabet[Math.floor(random() * alphabet.length)] as number,
            ),
          )
        : Buffer.from(
            valid
              .subarray(0, Math.floor(random() * valid.length))
              .map((b) => (random() < 0.05 ? Math.floor(random() * 256) : b)),
          );
    try {
      for (let i = 0; i < input.length; i += 7) parse(parser, input.subarray(i, i + 7));
    } catch (error) {
      assert.ok(error instanceof ProtocolError, `round ${round}: ${(error as Error).message}`);
    }
  }
});

test('the reply scanner frames nested replies across any split', () => {
  const replies = [
    '+OK\r\n',
    '-ERR x\r\n',
    ':42\r\n',
    '$5\r\nhello\r\n',
    '$-1\r\n',
    '*-1\r\n',
    '*0\r\n',
    '*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n+s\r\n',
  ];
  const wire = Buffer.from(replies.join(''));
  for (let cut = 1; cut < wire.length; cut++) {
    const scanner = new ReplyScanner();
    const out = [...scanner.push(wire.subarray(0, cut)), ...scanner.push(wire.subarray(cut))].map(String);
    assert.deepEqual(out, replies, `cut at ${cut}`);
  }
});

test('reply scanner: a malformed length or type from a server is a protocol error, not a wrong framing', () => {
  for (const [wire, message] of [
    ['$x\r\nab\r\n', /invalid bulk length/],
    ['$\r\n', /invalid bulk length/],
    ['$ 3\r\nabc\r\n', /invalid bulk length/],
    ['*1a\r\n:1\r\n', /invalid array length/],
    ['*99999999999999999\r\n', /invalid array length/],
    ['?oops\r\n', /unexpected reply type '\?'/],
  ] as const) {
    assert.throws(() => new ReplyScanner().push(Buffer.from(wire)), message, wire);
  }
  assert.deepEqual(new ReplyScanner().push(Buffer.from('$-1\r\n*-1\r\n$0\r\n\r\n')).map(String), [
    '$-1\r\n',
    '*-1\r\n',
    '$0\r\n\r\n',
  ]);
});

/** Bytes Buffer.concat copies while `run` runs: the measure of a parser's copying, not a timing. */
function bytesCopied(run: () => void): number {
  const concat = Buffer.concat;
  let copied = 0;
  Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
    const joined = concat(list, length);
    copied += joined.length;
    return joined;
  }) as typeof Buffer.concat;
  try {
    run();
  } finally {
    Buffer.concat = concat;
  }
  return copied;
}

test('a large argument or reply arriving in many reads is joined once, not once per read', () => {
  const value = Buffer.alloc(4 << 20, 'v');
  const chunks = (wire: Buffer) =>
    Array.from({ length: Math.ceil(wire.length / 16_384) }, (_, i) => wire.subarray(i * 16_384, (i + 1) * 16_384));

  const parser = new RequestParser({ maxBulkBytes: 8 << 20, maxArgs: 8, maxInlineBytes: 256 });
  const request = encodeCommand(['SET', 'k', value]);
  const commands: Command[] = [];
  const parserCopied = bytesCopied(() => {
    for (const chunk of chunks(request)) parser.push(chunk, (c) => commands.push(c));
  });
  assert.equal(commands.length, 1);
  assert.ok(commands[0]?.arg(2)?.equals(value));
  // Joined once per read, 4 MiB in 256 reads would copy about 512 MiB.
  assert.ok(parserCopied < 3 * request.length, `the parser copied ${parserCopied} bytes for ${request.length}`);

  const scanner = new ReplyScanner();
  const reply = Buffer.concat([Buffer.from(`*2\r\n$${value.length}\r\n`), value, Buffer.from('\r\n:1\r\n')]);
  const replies: Buffer[] = [];
  const scannerCopied = bytesCopied(() => {
    for (const chunk of chunks(reply)) replies.push(...scanner.push(chunk));
  });
  assert.equal(replies.length, 1);
  assert.ok(replies[0]?.equals(reply));
  assert.ok(scannerCopied < 3 * reply.length, `the scanner copied ${scannerCopied} bytes for ${reply.length}`);
});
