export { type Backoff, type BackoffOptions, createBackoff, parseRetryAfter } from './backoff.js';
export { BodyTooLargeError, readBoundedBody } from './bounded-body.js';
export { fsyncDir, replaceSymlink, TEMP_LINK_PREFIX } from './durable.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  ConfigError,
  defineEnv,
  type Env,
  type EnvSchema,
  EXIT_CONFIG,
  envTable,
  LOG_LEVELS,
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
export { closeServer, listen as listenHttp } from './http.js';
export { type Closer, createLifecycle, type Lifecycle, type LifecycleOptions } from './lifecycle.js';
export { createLogger, type Logger, type LoggerOptions, REDACT_PATHS } from './logger.js';
export { collectNodeMetrics, createMetricsRegistry, DROPPED_DEFAULT_METRICS } from './metrics.js';
export { type MetricsFormat, negotiateMetricsFormat, renderMetrics } from './metrics-format.js';
export { type OpsServer, type OpsServerOptions, type Route, sendJson, startOpsServer } from './ops-server.js';
export { rateLimited } from './rate-limited.js';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export { readSecretFile } from './secret-file.js';
export {
  exitWithConfigError,
  helpText,
  packageVersion,
  runService,
  type ServiceContext,
  type ServiceSpec,
} from './service.js';
export { TERMINATION_LOG, writeTerminationLog } from './termination-log.js';
export { watchMountedFile } from './watch-file.js';
