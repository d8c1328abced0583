// The floor for a Node proxy's garbage: a server that answers each read with one write
// (`+PONG`) and does nothing else, run as its own process.
import { createServer } from 'node:net';

const PONG = Buffer.from('+PONG\r\n');
const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', () => socket.write(PONG));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' ? address?.port : 0 }));
});
