// Requests a hostile client on the pod network can send, as raw bytes: malformed request lines,
// targets the URL parser throws on, broken headers and framing, bad upgrades. Each port must
// answer them with a 4xx or a closed connection and stay up; the demo pod's test sends them to
// every port the pod listens on, and the kit's to a server of its own.
import { connect } from 'node:net';

export const HOSTILE_REQUESTS: readonly { name: string; bytes: string }[] = [
  { name: 'GET //', bytes: 'GET // HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'GET ///x', bytes: 'GET ///x HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'GET //host/path', bytes: 'GET //evil.example/docs HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'absolute target, bad port', bytes: 'GET http://a:99999/ HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'absolute target, no host', bytes: 'GET http:/// HTTP/1.1\r\nHost: x\r\n\r\n' },
  {
    name: 'upgrade with a bad target',
    bytes:
      'GET http://a:99999/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  },
  { name: 'upgrade to //', bytes: 'GET // HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n' },
  { name: 'asterisk target', bytes: 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'CONNECT', bytes: 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n' },
  { name: 'percent garbage', bytes: 'GET /%%%%/%c0%ae%ff HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'no version', bytes: 'GET /\r\n\r\n' },
  { name: 'HTTP/0.9 style', bytes: 'GET /\n\n' },
  { name: 'unknown method', bytes: 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'space in the target', bytes: 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'NUL in the target', bytes: 'GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'header without a colon', bytes: 'GET / HTTP/1.1\r\nHost x\r\n\r\n' },
  {
    name: 'two Content-Lengths',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
  },
  { name: 'negative Content-Length', bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n' },
  {
    name: 'chunked and Content-Length',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  },
  { name: 'bad chunk size', bytes: 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n' },
  { name: 'huge header', bytes: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n` },
  { name: 'bad Accept', bytes: 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: ;;;=,,q=x\r\n\r\n' },
  { name: 'RESP on an HTTP port', bytes: '*1\r\n$4\r\nPING\r\n' },
  { name: 'binary', bytes: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' },
];

/**
 * Sends raw bytes and resolves with what came back before the server closed, or before
 * `idleMs` of silence. A reset counts as closed: the answer is then what had arrived.
 */
export function sendRaw(host: string, port: number, bytes: string, idleMs = 500): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host, port });
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.setTimeout(idleMs, done);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('connect', () => socket.write(Buffer.from(bytes, 'latin1')));
    socket.on('close', done);
    socket.on('error', done);
  });
}

/** The status code of an HTTP answer, or undefined when none came. */
export function statusOf(answer: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return match ? Number(match[1]) : undefined;
}
