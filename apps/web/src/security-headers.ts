// helmet's security headers, for express and for the cache-hit fast path alike. helmet is a
// middleware that only sets and removes headers, so running it once against a recording
// response gives the exact headers it sends, without putting it on the hottest path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

// helmet's defaults, less `upgrade-insecure-requests`: the pod serves plain HTTP (TLS ends at
// an Ingress, if any), and a browser told to upgrade would ask https:// of a pod IP for
// /_pod's script and event stream, and get nothing.
export const securityMiddleware = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });

function captureHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  securityMiddleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return Object.freeze(headers);
}

export const SECURITY_HEADERS = captureHeaders();
