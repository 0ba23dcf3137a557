import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { DomainError, invalid } from '../../platform/errors.js';
import { csvHeader, csvReading, ndjsonReading, type RawReading } from './telemetry.engine.js';
import { MAX_BATCH } from './telemetry.schemas.js';

/**
 * The largest batch body: what {@link MAX_BATCH} readings need with room to spare — a reading with
 * 64-character device and metric names, an offset timestamp, a long value, quality and unit is about
 * 250 bytes as JSON, 400 pretty-printed.
 */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** What a body's lines become; `line` may throw to refuse the body at once. */
interface LineSink {
  line(text: string): void;
  end(): unknown;
}

/** The CSV's header, or a 400 saying what it lacks. */
function readableHeader(line: string): string[] {
  try {
    return csvHeader(line);
  } catch (error) {
    throw invalid(`The CSV is not readable: ${(error as Error).message}`);
  }
}

const tooMany = () => invalid(`At most ${MAX_BATCH} readings per request`, {}, 'BATCH_TOO_LARGE');

/**
 * Feeds a request body to `sink` line by line as it arrives, so a body is refused the moment it goes
 * too far — past the route's body limit, or when `sink` throws (a batch past its limit) — without
 * holding the whole of it. A refused body is left unread (the stream is not destroyed, so the answer
 * still reaches the client), and Fastify closes the connection after the answer.
 */
function readLines(
  request: FastifyRequest,
  payload: IncomingMessage,
  sink: LineSink,
  done: (error: Error | null, body?: unknown) => void,
): void {
  const limit = request.routeOptions.bodyLimit;
  if (Number(request.headers['content-length']) > limit) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  const decoder = new StringDecoder('utf8');
  let received = 0;
  let rest = '';
  let finished = false;

  const finish = (error: Error | null, body?: unknown) => {
    if (finished) return;
    finished = true;
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
    // Nothing more is read: Node discards the rest, or drops it with the connection after the answer.
    if (error) payload.pause();
    done(error, body);
  };
  const feed = (text: string, last: boolean) => {
    rest += text;
    const lines = rest.split('\n');
    rest = last ? '' : (lines.pop() ?? '');
    for (const line of lines) sink.line(line.endsWith('\r') ? line.slice(0, -1) : line);
  };
  const failed = (error: unknown) =>
    finish(error instanceof DomainError ? error : invalid(`The body is not readable: ${(error as Error).message}`));

  function onData(chunk: Buffer | string) {
    received += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (received > limit) return finish(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    try {
      feed(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
    } catch (error) {
      failed(error);
    }
  }
  function onEnd(error?: Error) {
    if (error) return finish(error);
    try {
      feed(decoder.end(), true);
      finish(null, sink.end());
    } catch (failure) {
      failed(failure);
    }
  }

  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}

/**
 * NDJSON and CSV arrive as text and become the same readings as a JSON batch, read as they stream in:
 * the reading after the batch limit refuses the body (400 `BATCH_TOO_LARGE`) without waiting for the rest.
 */
export function registerReadingParsers(app: FastifyInstance): void {
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson'], (request, payload, done) => {
    const readings: RawReading[] = [];
    let lineNumber = 0;
    readLines(
      request,
      payload,
      {
        line(text) {
          lineNumber++;
          if (text.trim() === '') return;
          if (readings.length === MAX_BATCH) throw tooMany();
          readings.push(ndjsonReading(text, lineNumber));
        },
        end: () => ({ readings }),
      },
      done,
    );
  });

  app.addContentTypeParser('text/csv', (request, payload, done) => {
    const readings: RawReading[] = [];
    let header: string[] | undefined;
    readLines(
      request,
      payload,
      {
        line(text) {
          if (text.trim() === '') return;
          if (!header) {
            header = readableHeader(text);
            return;
          }
          if (readings.length === MAX_BATCH) throw tooMany();
          readings.push(csvReading(header, text));
        },
        end: () => {
          header ??= readableHeader('');
          return { readings };
        },
      },
      done,
    );
  });
}
