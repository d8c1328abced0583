// The pod's own address. On Linux every address in 127.0.0.0/8 is this machine's loopback, so a
// pod gets one of its own and a Redis or web server already on the host's 6379 or 8080 does not
// collide with the pod's ambassador or web. Elsewhere (macOS has only 127.0.0.1) it falls back to
// 127.0.0.1, and any port the pod needs that is taken is named before anything starts.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

function canListen(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function choosePodAddress(requested?: string): Promise<string> {
  if (requested) {
    const ok = await canListen(requested, 0);
    if (ok !== true) throw new Error(`--address ${requested}: cannot listen there (${ok})`);
    return requested;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if ((await canListen(address, 0)) === true) return address;
  }
  return '127.0.0.1';
}

/** The ports of `ports` that cannot be listened on at `address`, each with the reason. */
export async function portsInUse(address: string, ports: Iterable<number>): Promise<string[]> {
  const taken: string[] = [];
  for (const port of new Set(ports)) {
    const ok = await canListen(address, port);
    if (ok !== true) taken.push(`${address}:${port} (${ok})`);
  }
  return taken;
}
