import type { Logger } from './logger.js';

/**
 * Stops gracefully on SIGINT or SIGTERM (and after an uncaught exception): `stop` finishes what is in
 * flight and closes the database. A second signal, or `timeoutMs` passing, ends the process at once.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger, timeoutMs: number): void {
  let stopping = false;
  const begin = (reason: string) => {
    if (stopping) {
      log.warn({ reason }, 'asked again while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ reason }, 'shutting down');
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => begin('SIGINT'));
  process.on('SIGTERM', () => begin('SIGTERM'));
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    begin('uncaughtException');
  });
}
