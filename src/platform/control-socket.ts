import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Logger } from './logger.js';

/**
 * A local control socket in the data folder, through which the command line asks the serving process to
 * do what only it can: the embedded database belongs to the one process holding the folder, so `croft
 * backup` beside a running `croft serve` asks it to write the backup. A Unix socket readable and writable
 * by the folder's owner only: who may use it is who may read the data folder anyway. No TCP port.
 */

export const CONTROL_SOCKET = 'croft.sock';
/** Unix socket paths are limited to ~107 bytes. */
const MAX_SOCKET_PATH = 100;

export const controlSocketPath = (dataDir: string) => path.join(dataDir, CONTROL_SOCKET);

export type ControlHandler = (body: Record<string, unknown>) => Promise<unknown>;

export interface ControlSocket {
  close(): Promise<void>;
}

/** Serves `handlers` (by path, POST with a JSON body) on `<dataDir>/croft.sock`; undefined when the path is too long. */
export async function startControlSocket(
  dataDir: string,
  handlers: Record<string, ControlHandler>,
  log: Logger,
): Promise<ControlSocket | undefined> {
  const file = controlSocketPath(dataDir);
  if (file.length > MAX_SOCKET_PATH) {
    log.warn({ file }, 'the data folder path is too long for a control socket: croft backup needs the server stopped');
    return undefined;
  }
  fs.rmSync(file, { force: true }); // left by a process that did not stop cleanly (we hold the folder's lock)
  const server = http.createServer((request, response) => {
    const handler = request.method === 'POST' ? handlers[request.url ?? ''] : undefined;
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!handler) return answer(404, { error: `no ${request.method} ${request.url}` });
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return answer(400, { error: 'the body is not JSON' });
      }
      handler(body).then(
        (result) => answer(200, result),
        (error: Error) => {
          log.error({ err: error, path: request.url }, 'a control request failed');
          answer(500, { error: error.message });
        },
      );
    });
  });
  const previous = process.umask(0o177); // the socket is made 0600 as it is created, not after
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        fs.rmSync(file, { force: true });
      }),
  };
}

/**
 * Asks the process serving `dataDir` to run `route`; undefined when none listens there (no socket, or one
 * left by a process that is gone).
 */
export async function askServing(dataDir: string, route: string, body: unknown): Promise<unknown> {
  const file = controlSocketPath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: file, path: route, method: 'POST' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const parsed = JSON.parse(text) as { error?: string };
        if (response.statusCode !== 200)
          reject(new Error(parsed.error ?? `the serving process answered ${response.statusCode}`));
        else resolve(parsed);
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve(undefined);
      else reject(error);
    });
    request.end(JSON.stringify(body));
  });
}
