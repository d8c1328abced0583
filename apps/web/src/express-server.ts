// A node:http server whose requests and responses are born with express's prototypes.
//
// express gives every req/res it handles its own prototype (Object.setPrototypeOf in
// app.handle). Node 20's V8 then stops sharing hidden classes for that object: each property
// added afterwards (res.locals, req.params, res.statusCode...) makes a class of its own, so every
// request handled by express ends with a class no other request has. node's http code, which the
// cache-hit fast path shares, sees them all and goes megamorphic for good: a few probes were
// enough to make every cached page cost about 10% more CPU. Built with the right prototype from
// the start, the objects keep one shape and express's swap is a no-op. (Node 24's V8 keeps the
// shapes shared anyway; there this changes nothing.)
import { createServer, IncomingMessage, type RequestListener, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

export function createExpressServer(app: Express, listener: RequestListener): Server {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  // Each chain keeps express's own objects in it, so `req.app`, `res.json` and the rest resolve
  // exactly as before; only the object at its head is new.
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as unknown as Express['request'];
  app.response = ExpressResponse.prototype as unknown as Express['response'];
  return createServer({ IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse }, listener);
}
