import path from 'node:path';
import type { Config } from '../../platform/config.js';
import { LocalFolderStorage, S3Storage, type ObjectStorage } from '../../platform/object-storage.js';

/**
 * Where photo bytes live: `<data dir>/photos` (the default), or the S3-compatible bucket CROFT_S3_BUCKET
 * names. Keys never leave the server: images are served through Croft, with the farm's access check.
 */
export function createPhotoStorage(config: Config): ObjectStorage {
  if (config.s3) return new S3Storage(config.s3);
  return new LocalFolderStorage(path.join(config.dataDir, 'photos'));
}
