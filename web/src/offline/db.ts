import type { DehydratedState } from '@tanstack/react-query';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** What a queued write is, in words for its list (the kinds the field work makes without a connection). */
export type WriteKind = 'count' | 'movement' | 'transplant' | 'photo' | 'task' | 'inspection';

/**
 * A write made on this phone and not yet stored by Croft. Its key is the write's own client-made id, so
 * sending it twice (an answer lost, a page reloaded mid-send) is stored once by the server.
 */
export interface QueuedWrite {
  id: string;
  /** The order it was made in; sent in this order. */
  seq: number;
  /** The person who made it (a user id): sent only with their sign-in. */
  owner: string;
  farm: string;
  kind: WriteKind;
  method: 'POST' | 'PUT';
  /** The API path, e.g. /api/v1/farms/my-farm/stock/counts. */
  path: string;
  /** A JSON body, or the photo's bytes. */
  body?: unknown;
  file?: Blob;
  /** The record it is about (a task, a batch, a hive), for the pages that show it as waiting. */
  subject?: string;
  /** Words for the list (what, where, how many), set by the form that made it. */
  label: string;
  made_at: string;
  state: 'waiting' | 'sending' | 'refused';
  attempts: number;
  /** Croft's refusal, in its words, kept for the person to fix or discard. */
  refused?: { status: number; code: string; message: string };
}

/** The data a person last saw (React Query's cache, dehydrated), kept per person. */
export interface KeptData {
  owner: string;
  saved_at: number;
  state: DehydratedState;
}

interface OfflineSchema extends DBSchema {
  writes: { key: string; value: QueuedWrite; indexes: { owner: string } };
  data: { key: string; value: KeptData };
  /** The person signed in last on this phone (their profile), to open the app without a connection. */
  people: { key: string; value: { key: 'last'; user: unknown; saved_at: number } };
}

let opened: Promise<IDBPDatabase<OfflineSchema>> | undefined;

/** The phone's own store of queued writes and kept data (IndexedDB; it holds Blobs, unlike localStorage). */
export function offlineDb(): Promise<IDBPDatabase<OfflineSchema>> {
  opened ??= openDB<OfflineSchema>('croft-offline', 1, {
    upgrade(db) {
      db.createObjectStore('writes', { keyPath: 'id' }).createIndex('owner', 'owner');
      db.createObjectStore('data', { keyPath: 'owner' });
      db.createObjectStore('people', { keyPath: 'key' });
    },
  });
  return opened;
}
