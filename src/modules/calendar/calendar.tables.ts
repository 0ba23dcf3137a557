import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export interface CalendarFeedTable {
  id: Generated<string>;
  farm_id: string;
  created_by: string;
  name: string;
  /** SHA-256 (hex) of the feed's secret token; the token itself is never stored. */
  token_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  last_fetched_at: Timestamp | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    calendar_feeds: CalendarFeedTable;
  }
}
