// The static checks of `npm test`: lint, format:check and depcruise. Runs all three (so one run shows every
// finding), says how long each took, and fails when any of them failed.
//
//   npm run check:static
import { spawnSync } from 'node:child_process';

const checks = ['lint', 'format:check', 'depcruise'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const failed = [];
const times = [];
for (const check of checks) {
  const started = performance.now();
  const { status } = spawnSync(npm, ['run', '--silent', check], { stdio: 'inherit' });
  times.push(`${check} ${((performance.now() - started) / 1000).toFixed(1)} s${status === 0 ? '' : ' (failed)'}`);
  if (status !== 0) failed.push(check);
}
console.log(`\nstatic checks: ${times.join(', ')}`);
if (failed.length > 0) {
  console.error(`static checks failed: ${failed.join(', ')}`);
  process.exit(1);
}
