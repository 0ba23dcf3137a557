import { dehydrate, hydrate, type Query, type QueryClient } from '@tanstack/react-query';
import { offlineDb } from './db';

/** Kept data older than this is not shown: a week-old stock list would mislead more than it helps. */
const KEEP_MS = 7 * 24 * 3_600_000;
/** Saves are gathered: a page opening asks many questions at once. */
const SAVE_AFTER_MS = 300;

/** Data worth keeping for the next time without a connection: answers in JSON, not files (images, labels). */
function worthKeeping(query: Query): boolean {
  const data = query.state.data;
  return query.state.status === 'success' && !(data instanceof Blob) && data !== undefined;
}

/**
 * Brings back what this person saw last (Today, the places, batches and hives they opened) into the app's
 * cache, so their pages open without a connection. Fresher answers already in the cache win.
 */
export async function restoreData(client: QueryClient, owner: string): Promise<void> {
  const kept = await (await offlineDb()).get('data', owner).catch(() => undefined);
  if (kept && Date.now() - kept.saved_at < KEEP_MS) hydrate(client, kept.state);
}

/** Keeps this person's data on the phone as it changes, until the returned function is called. */
export function keepData(client: QueryClient, owner: string): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const save = async () => {
    timer = undefined;
    if (stopped) return;
    const state = dehydrate(client, { shouldDehydrateQuery: worthKeeping });
    await (await offlineDb()).put('data', { owner, saved_at: Date.now(), state }).catch(() => undefined);
  };
  const unsubscribe = client.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'success' || timer) return;
    timer = setTimeout(() => void save(), SAVE_AFTER_MS);
  });
  // Leaving the page (a reload, the phone locked) saves what is still gathered.
  const leaving = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    void save();
  };
  window.addEventListener('pagehide', leaving);
  return () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('pagehide', leaving);
    unsubscribe();
  };
}

/** The person signed in last on this phone, to open the app for them without a connection. */
export async function rememberPerson<U>(user: U): Promise<void> {
  await (await offlineDb()).put('people', { key: 'last', user, saved_at: Date.now() }).catch(() => undefined);
}

export async function rememberedPerson<U>(): Promise<U | undefined> {
  const last = await (await offlineDb()).get('people', 'last').catch(() => undefined);
  return last && Date.now() - last.saved_at < KEEP_MS ? (last.user as U) : undefined;
}

/**
 * Signing out (or a sign-in that ended) clears what the phone kept of this person's data and their
 * profile; the writes they made and Croft has not stored stay, sent when they sign in again.
 */
export async function forgetPerson(owner: string): Promise<void> {
  const db = await offlineDb();
  await db.delete('data', owner).catch(() => undefined);
  const last = await db.get('people', 'last').catch(() => undefined);
  if (last && (last.user as { id?: string }).id === owner) await db.delete('people', 'last').catch(() => undefined);
}

/** A sign-out made without a connection: Croft is told at the next start, before anything else. */
const LOGOUT_PENDING = 'croft.logout-pending';
export const logoutPending = {
  get: () => localStorage.getItem(LOGOUT_PENDING) === '1',
  set: () => localStorage.setItem(LOGOUT_PENDING, '1'),
  clear: () => localStorage.removeItem(LOGOUT_PENDING),
};
