// Starting and stopping node:http servers the same way in every service.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './env-fields.js';

/** Listens and resolves with the bound address (the real port when 0 was asked for). */
export function listen(server: Server, address: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections and lets requests already accepted finish. Idle keep-alive
 * connections are closed as they become idle; whatever is still open after `timeoutMs` is cut.
 */
export function closeServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
