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
