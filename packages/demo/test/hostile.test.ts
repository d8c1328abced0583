// Every port of the demo pod against a hostile client. The ports are not listed here: they are
// read from the kernel's table of listening sockets on the pod's own address (podrun gives the
// pod one in 127.0.0.0/8), so a port a future container opens is covered without anyone
// editing this file. Each gets every request of the shared hostile list; none may answer 5xx,
// no container may exit, and every port must still accept a connection afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { HOSTILE_REQUESTS, sendRaw, statusOf } from '@pod-patterns/testing';
import { type DemoPod, startDemoPod } from './helpers.js';

let pod: DemoPod;
before(async () => {
  pod = await startDemoPod();
  await pod.waitForEvent((e) => e.type === 'pod-ready', 90_000);
});
after(async () => {
  await pod?.stop();
});

/** TCP ports in LISTEN state on `address`, from /proc/net/tcp (Linux; little-endian hex). */
function listeningPorts(address: string): number[] {
  const hex = address
    .split('.')
    .reverse()
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A' && fields[1]?.startsWith(`${hex}:`))
    .map((fields) => Number.parseInt((fields[1] as string).split(':')[1] as string, 16))
    .sort((a, b) => a - b);
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('every port the pod listens on survives every hostile request: no 5xx, no exit, still accepting', async () => {
  const address = await pod.address();
  const ports = listeningPorts(address);
  // web 8080 and 9000, the adapter 9102, the Redis ambassador 6379 and 9121, the HTTP
  // ambassador 8081 and 9181, git-sync 8090: at least these, whatever else is added.
  for (const port of [6379, 8080, 8081, 8090, 9000, 9102, 9121, 9181])
    assert.ok(ports.includes(port), `${port} is listening (found ${ports.join(', ')})`);
  const exitsBefore = pod.events().filter((e) => e.type === 'exit').length;

  for (const port of ports)
    for (const { name, bytes } of HOSTILE_REQUESTS) {
      const status = statusOf(await sendRaw(address, port, bytes, 300));
      assert.ok(status === undefined || status < 500, `port ${port}, ${name}: answered ${status}`);
    }

  await new Promise((r) => setTimeout(r, 1000)); // a crash is reported as an exit event
  const exits = pod
    .events()
    .filter((e) => e.type === 'exit')
    .slice(exitsBefore);
  assert.deepEqual(exits, [], 'no container exited');
  for (const port of ports) assert.ok(await accepts(address, port), `port ${port} still accepts`);
  assert.equal((await fetch(await pod.url(8080, '/readyz'))).status, 200, 'the pod is still ready');
});
