import { Type } from 'typebox';

export const FarmArchiveBody = Type.String({
  description:
    'application/gzip: a tar.gz archive of README.txt, farm.json, tables/<table>.jsonl and .csv, photos/<id>.<ext>',
});
