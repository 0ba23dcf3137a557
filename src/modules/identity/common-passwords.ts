import { createRequire } from 'node:module';

/** How many of the most common passwords are refused (ASVS 5.0 asks for at least the top 3,000). */
export const COMMON_PASSWORD_COUNT = 10_000;

/** Words of this trade that people pick, refused as well. */
const TRADE_WORDS = [
  'farmer',
  'farming',
  'tractor',
  'chicken1',
  'harvest',
  'greenhouse',
  'garden123',
  'beekeeper',
  'honeybee',
  'croft',
  'croft123',
  'croftcroft',
];

/**
 * The most common passwords (lower case), refused as new passwords: the top {@link COMMON_PASSWORD_COUNT}
 * of the frequency-ordered list shipped by @zxcvbn-ts/language-common (MIT; read from the package, never
 * fetched), plus {@link TRADE_WORDS}.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  ...(createRequire(import.meta.url)('@zxcvbn-ts/language-common/src/passwords.json') as string[])
    .slice(0, COMMON_PASSWORD_COUNT)
    .map((p) => p.toLowerCase()),
  ...TRADE_WORDS,
]);
