/**
 * The package's public entry point: what an embedding program may use. Internals stay
 * behind the `exports` map.
 */
export { startServer } from './server.js';
export type { RunningServer, StartOptions } from './server.js';
export { loadConfig, DEFAULT_CONFIG, ConfigError } from './config.js';
export type { Config } from './config.js';
export { Broker } from './core/broker.js';
export { RestMQError, ERROR_CATALOG } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
