export { freePort, startHttpServer, type TestServer } from './http-server.js';
export { type Running, type SpawnOptions, spawnNode } from './process.js';
export { waitFor } from './wait.js';
