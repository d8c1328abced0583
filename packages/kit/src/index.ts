export { type Backoff, type BackoffOptions, createBackoff, parseRetryAfter } from './backoff.js';
export { BodyTooLargeError, readBoundedBody } from './bounded-body.js';
export { fsyncDir, replaceSymlink, TEMP_LINK_PREFIX } from './durable.js';
export { formatDuration } from './duration.js';
export {
  ConfigError,
  defineEnv,
  type Env,
  type EnvSchema,
  envTable,
  loadEnv,
} from './env.js';
export {
  bool,
  duration,
  integer,
  type ListenAddress,
  list,
  listen,
  listenOrOff,
  secret,
  url,
} from './env-fields.js';
export {
  closeServer,
  createHttpServer,
  guard,
  listen as listenHttp,
} from './http.js';
export type { Closer, Lifecycle, LifecycleOptions } from './lifecycle.js';
export type { Logger, LoggerOptions } from './logger.js';
export { collectNodeMetrics, createMetricsRegistry } from './metrics.js';
export { type MetricsFormat, negotiateMetricsFormat } from './metrics-format.js';
export {
  type OpsServer,
  type OpsServerOptions,
  probeRoutes,
  type Route,
  sendJson,
  startOpsServer,
} from './ops-server.js';
export { rateLimited } from './rate-limited.js';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export { Recent } from './recent.js';
export { readSecretFile } from './secret-file.js';
export {
  exitWithConfigError,
  packageVersion,
  runService,
  type ServiceContext,
  type ServiceSpec,
} from './service.js';
export { TERMINATION_LOG, writeTerminationLog } from './termination-log.js';
export { watchMountedFile } from './watch-file.js';
