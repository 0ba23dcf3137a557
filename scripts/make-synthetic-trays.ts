// Writes synthetic tray photos with their truth (issue #25): tray-<seed>.jpg and tray-<seed>.json per tray,
// for the bench and for looking at them.
//
//   npx tsx scripts/make-synthetic-trays.ts --out /tmp/trays [--count 5] [--seed 1] [--width 1600 --height 1200]
//     [--rows 10 --cols 12] [--empty 0.1] [--detectable 0.6] [--lat 51.5 --lon=-0.12 --accuracy 8]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSyntheticTray } from '../src/modules/photos/index.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    width: { type: 'string', default: '1600' },
    height: { type: 'string', default: '1200' },
    rows: { type: 'string', default: '10' },
    cols: { type: 'string', default: '12' },
    empty: { type: 'string', default: '0.1' },
    detectable: { type: 'string', default: '0.6' },
    lat: { type: 'string' },
    lon: { type: 'string' },
    accuracy: { type: 'string' },
  },
});
if (!values.out) {
  console.error('usage: npx tsx scripts/make-synthetic-trays.ts --out <folder> [--count 5] [--seed 1] ...');
  process.exit(2);
}
await mkdir(values.out, { recursive: true });
const first = Number(values.seed);
for (let seed = first; seed < first + Number(values.count); seed++) {
  const { jpeg, truth } = await generateSyntheticTray({
    seed,
    width: Number(values.width),
    height: Number(values.height),
    rows: Number(values.rows),
    cols: Number(values.cols),
    emptyShare: Number(values.empty),
    detectableShare: Number(values.detectable),
    ...(values.lat && values.lon
      ? {
          gps: {
            lat: Number(values.lat),
            lon: Number(values.lon),
            ...(values.accuracy ? { accuracyM: Number(values.accuracy) } : {}),
          },
        }
      : {}),
  });
  await writeFile(join(values.out, `tray-${seed}.jpg`), jpeg);
  await writeFile(join(values.out, `tray-${seed}.json`), `${JSON.stringify(truth, null, 2)}\n`);
  console.log(`tray-${seed}.jpg: ${truth.plants} plants (${truth.detectable} detectable), ${truth.empty} empty pots`);
}
