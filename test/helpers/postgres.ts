import pg from 'pg';

export const TEMPLATE_PREFIX = 'croft_tpl_';
export const TEST_DB_PREFIX = 'croft_test_';

/** The same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The server's maintenance database, for CREATE and DROP DATABASE. */
export function adminUrl(serverUrl: string): string {
  return databaseUrl(serverUrl, 'postgres');
}

/** A new, empty database (no migrations) on the server of `serverUrl`; `drop` removes it. */
export async function createEmptyDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl(serverUrl) });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  return { url: databaseUrl(serverUrl, name), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
