// Accuracy and speed of the classical counting engine on synthetic trays (issue #25, bench item c):
// for 30 %, 60 % and 90 % of the plants detectable, over N seeds, the mean and worst |error| of the total
// count against the truth, and seconds per image (decode + detect + estimate). Not run in CI.
//
//   npx tsx scripts/measure-counting.ts [--seeds 20] [--width 1600 --height 1200] [--rows 10 --cols 12]
import { parseArgs } from 'node:util';
import { countPlants, decodeWorkingCopy, generateSyntheticTray } from '../src/modules/photos/index.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    width: { type: 'string', default: '1600' },
    height: { type: 'string', default: '1200' },
    rows: { type: 'string', default: '10' },
    cols: { type: 'string', default: '12' },
    shares: { type: 'string', default: '0.3,0.6,0.9' },
  },
});
const seeds = Number(values.seeds);
const width = Number(values.width);
const height = Number(values.height);
const rows = Number(values.rows);
const cols = Number(values.cols);

console.log(`classical counting, ${seeds} synthetic trays per share, ${width}×${height}, ${rows}×${cols} pots`);
for (const share of values.shares.split(',').map(Number)) {
  const errors: number[] = [];
  const signed: number[] = [];
  const emptyErrors: number[] = [];
  let seconds = 0;
  let decodeSeconds = 0;
  let banded = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { jpeg, truth } = await generateSyntheticTray({ seed, width, height, rows, cols, detectableShare: share });
    const started = performance.now();
    // As the counting thread does: decoded straight to the working size.
    const { image } = await decodeWorkingCopy(jpeg);
    const decoded = performance.now();
    const result = await countPlants(image, { grid: { rows, cols } });
    seconds += (performance.now() - started) / 1000;
    decodeSeconds += (decoded - started) / 1000;
    if (result.estimated > 0) banded++;
    signed.push((100 * (result.total - truth.plants)) / truth.plants);
    errors.push(Math.abs(signed[signed.length - 1]!));
    emptyErrors.push(Math.abs(result.empty - truth.empty));
  }
  const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
  const worst = Math.max(...errors);
  console.log(
    `${Math.round(share * 100)} % detectable: mean |error| ${mean.toFixed(1)} %, worst ${worst.toFixed(1)} %, ` +
      `mean signed ${(signed.reduce((a, b) => a + b, 0) / seeds).toFixed(1)} %, ` +
      `band used on ${banded}/${seeds}, empty pots off by ${(emptyErrors.reduce((a, b) => a + b, 0) / seeds).toFixed(2)} on average; ` +
      `${(seconds / seeds).toFixed(2)} s per image (decode ${(decodeSeconds / seeds).toFixed(2)} s)`,
  );
}
