import { hash, verify } from '@node-rs/argon2';
import { invalid } from '../../platform/errors.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

/** argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'is one of the most common passwords; choose another';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower === local) return 'must not be your email address';
  if (/^(.)\1+$/.test(password)) return 'must not be one character repeated';
  return undefined;
}

export function assertPasswordAcceptable(
  password: string,
  context: { email?: string; name?: string } = {},
  field = 'password',
): void {
  const problem = passwordProblem(password, context);
  if (problem)
    throw invalid(
      `The password ${problem}`,
      { fields: [{ field: `body.${field}`, message: problem }] },
      'WEAK_PASSWORD',
    );
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// Verified against when the email is unknown, so both answers take the same time.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('croft-no-such-account');
  await verifyPassword(await dummyHash, password);
  return false;
}
