/**
 * Request loggers made when first used. Fastify gives every request a child logger bound to
 * its request id; building a pino child costs about as much as a small route's handler,
 * and most requests never log a line (request logging is off, see app.ts). This child
 * builds the real one on its first log call, so lines keep their `reqId` (issue 12).
 */
import type { FastifyBaseLogger } from 'fastify';
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

const LOG_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// The log methods live on the prototype (below), so a request's logger is one small object.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
interface LazyChildLogger extends Pick<FastifyBaseLogger, (typeof LOG_METHODS)[number]> {}

/** A request's logger: the parent's child with `bindings`, made on first use. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The real child, made now if it was not yet. */
  get real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

for (const name of LOG_METHODS) {
  Object.defineProperty(LazyChildLogger.prototype, name, {
    value: function log(this: LazyChildLogger, ...args: unknown[]): void {
      const real = this.real;
      Reflect.apply(real[name], real, args);
    },
  });
}

/** Fastify's `childLoggerFactory` making {@link LazyChildLogger}s. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
