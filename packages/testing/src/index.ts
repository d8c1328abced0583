export { type Certificates, makeCertificates } from './certificates.js';
export { type GitHttpServer, startGitHttp } from './git-http.js';
export { HOSTILE_REQUESTS, sendRaw, statusOf } from './hostile.js';
export { freePort, startHttpServer, type TestServer } from './http-server.js';
export { type Running, type SpawnOptions, spawnNode } from './process.js';
export {
  lintEndpoint,
  lintMetrics,
  prometheusMissing,
  SCRAPER_ACCEPT,
  startPrometheus,
  type TargetHealth,
  type TestPrometheus,
} from './prometheus.js';
export { type RawResponse, rawGet } from './raw-http.js';
export { type RedisOptions, startRedis, type TestRedis } from './redis.js';
export { tempDir } from './temp-dir.js';
export { waitFor } from './wait.js';
