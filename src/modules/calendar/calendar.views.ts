import type { FeedRow } from './calendar.repository.js';

/** A feed as listed: never its token (only its hash is stored). */
export const feedView = (f: FeedRow) => ({
  id: f.id,
  name: f.name,
  created_by: { id: f.created_by },
  created_at: f.created_at.toISOString(),
  last_fetched_at: f.last_fetched_at?.toISOString() ?? null,
});

/** A new feed with its secret address, answered once. */
export const createdFeedView = (f: FeedRow, url: string) => ({
  ...feedView(f),
  url,
  webcal_url: url.replace(/^https?:/, 'webcal:'),
});
