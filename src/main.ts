#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './platform/config.js';
import { DomainError } from './platform/errors.js';
import { createLogger } from './platform/logger.js';
import { VERSION } from './platform/version.js';
import { stopOnSignals } from './platform/shutdown.js';
import { migrateOnly, serve, work } from './server.js';
import { userCommand } from './cli/user.js';
import { simulateCommand } from './cli/simulate.js';
import { backupCommand, restoreCommand } from './cli/backup.js';

const HELP = `Croft ${VERSION} — open farm-operations platform

Usage: croft [command]

Commands:
  serve     serve the API and web app, and run background jobs (default)
  worker    run background jobs only (needs DATABASE_URL)
  migrate   apply pending database migrations and exit
  user create --email E --name N --farm F [--timezone Z]
            first run from the command line: the instance admin and the first farm
  user reset-password EMAIL
            print a one-time password-reset token
  backup [--to PATH]
            write a backup (database and local photos) to a file; croft backup --help
  restore FILE
            restore a backup into an empty data folder, or an empty database with DATABASE_URL
  simulate --farm F [--devices 10] [--interval 5] [--kind hive|house|greenhouse]
           [--location L] [--from DATE [--backfill-only]]
            send realistic readings from simulated devices to a running Croft, placed at a
            location, after back-filling past days (croft simulate --help for more)

Options:
  -h, --help     show this help
  -v, --version  show the version

Settings come from environment variables (CROFT_PORT, CROFT_DATA_DIR, DATABASE_URL, …);
the README lists them all.`;

async function main(argv: string[]): Promise<number> {
  // `croft user …` and `croft simulate …` have options of their own.
  const own = ['user', 'simulate', 'backup', 'restore'].includes(argv[0] ?? '') ? argv.slice(1) : undefined;
  const { values, positionals } = parseArgs({
    args: own ? [argv[0]!] : argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  if (!['serve', 'worker', 'migrate', 'user', 'simulate', 'backup', 'restore'].includes(command)) {
    console.error(`Unknown command "${command}".\n\n${HELP}`);
    return 2;
  }

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Croft cannot start: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config);
  try {
    if (command === 'user') return await userCommand(own ?? [], config, log);
    if (command === 'simulate') return await simulateCommand(own ?? [], process.env, log);
    if (command === 'backup') return await backupCommand(own ?? [], config, log);
    if (command === 'restore') return await restoreCommand(own ?? [], config, log);
    if (command === 'migrate') {
      await migrateOnly(config, log);
      log.info('migrations are up to date');
      return 0;
    }
    const running = command === 'worker' ? await work(config, { log }) : await serve(config, { log });
    // Past the shutdown timeout for requests and jobs, a little more to close the database.
    stopOnSignals(running.stop, log, config.shutdownTimeoutMs + 5_000);
    return -1; // keep running
  } catch (error) {
    if (command === 'user' && error instanceof DomainError) {
      console.error(`croft user: ${error.message}`);
      return 1;
    }
    // A backup or restore that fails says why in one line (the log has the stack); it is not a start.
    if ((command === 'backup' || command === 'restore') && error instanceof Error) {
      if (!(error instanceof DomainError)) log.error({ err: error }, `croft ${command} failed`);
      console.error(`croft ${command}: ${error.message}`);
      return 1;
    }
    if (
      error instanceof DomainError ||
      (error instanceof Error && /EADDRINUSE|needs DATABASE_URL/.test(error.message))
    ) {
      log.fatal(
        { code: error instanceof DomainError ? error.code : undefined },
        `Croft cannot start: ${error.message}`,
      );
    } else {
      log.fatal({ err: error }, 'Croft cannot start');
    }
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  if (code >= 0) {
    // Let the logger flush before leaving.
    process.exitCode = code;
  }
});
