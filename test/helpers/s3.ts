import path from 'node:path';
import { createRequire } from 'node:module';

// s3rver ships no types; only its constructor, run and close are used.
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;

export interface S3Server {
  endpoint: string;
  /** The CROFT_S3_* settings that reach it (no bucket: the caller names one). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** An S3-compatible server (s3rver) on loopback, keeping its objects under `dir`, with `buckets` made. */
export async function startS3(dir: string, buckets: string[]): Promise<S3Server> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.join(dir, 's3rver'),
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      CROFT_S3_ENDPOINT: endpoint,
      CROFT_S3_ACCESS_KEY_ID: 'S3RVER',
      CROFT_S3_SECRET_ACCESS_KEY: 'S3RVER',
      CROFT_S3_FORCE_PATH_STYLE: 'on',
    },
    close: () => server.close(),
  };
}
