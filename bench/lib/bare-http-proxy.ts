// The anchor for the HTTP ambassador: http-proxy-3 as its README shows it, and nothing else
// (createProxyServer with a target and a keep-alive agent, then proxy.web), run as its own
// process. What the ambassador costs over this is the cost of its own features.
import { Agent, createServer } from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const proxy = createProxyServer({ target: process.argv[2], agent: new Agent({ keepAlive: true }) });
proxy.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' ? address?.port : 0 }));
});
