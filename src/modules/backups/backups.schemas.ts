import { Type } from 'typebox';
import { DateTime, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';

export const BackupQuery = Type.Object(
  {
    limit: PageLimit(100, 30),
    cursor: Type.Optional(Type.String({ format: 'date-time', description: 'next_cursor of the page before' })),
  },
  { additionalProperties: false },
);

export const BackupView = Type.Object(
  {
    id: Uuid,
    trigger: OneOf(['schedule', 'command'], { description: 'The daily schedule, or `croft backup` asking the server' }),
    target: Type.String({ description: 'The target as set: a folder, a file, or s3://bucket/prefix' }),
    location: Nullable(Type.String({ description: 'Where the archive landed (a path or s3://bucket/key)' })),
    status: OneOf(['running', 'done', 'failed']),
    started_at: DateTime,
    finished_at: Nullable(DateTime),
    bytes: Nullable(Type.Integer()),
    tables: Nullable(Type.Integer()),
    rows: Nullable(Type.Integer()),
    checksum: Nullable(
      Type.String({ description: 'SHA-256 over every table’s rows: the same on PGlite and PostgreSQL' }),
    ),
    sealed: Type.Boolean({ description: 'Encrypted with CROFT_BACKUP_PASSPHRASE' }),
    same_disk: Type.Boolean({ description: 'Written to the data folder’s disk: a failure of that disk loses both' }),
    error: Nullable(Type.String()),
    pruned_at: Nullable(DateTime),
  },
  { additionalProperties: false },
);

export const BackupPage = Page(BackupView);
