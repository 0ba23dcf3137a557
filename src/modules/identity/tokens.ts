import { randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { unauthenticated } from '../../platform/errors.js';
import { hashToken, randomToken } from '../../platform/secrets.js';

/** The only algorithm accepted: a token naming any other (`none`, RS256 …) is refused. */
const ALGORITHMS = ['HS256'];
const ACCESS_TYPE = 'at+jwt';

export interface AccessClaims {
  userId: string;
  /** The sign-in (refresh-token family) this token belongs to. */
  sessionId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface AccessTokenSettings {
  secret: Uint8Array;
  issuer: string;
  ttlSeconds: number;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export async function signAccessToken(
  settings: AccessTokenSettings,
  userId: string,
  sessionId: string,
  now: Date,
): Promise<string> {
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TYPE })
    .setSubject(userId)
    .setJti(randomUUID())
    .setIssuer(settings.issuer)
    .setAudience(settings.issuer)
    .setIssuedAt(seconds(now))
    .setExpirationTime(seconds(now) + settings.ttlSeconds)
    .sign(settings.secret);
}

/** Checks signature, algorithm, type, issuer, audience and expiry against `now`; 401 otherwise. */
export async function verifyAccessToken(
  settings: AccessTokenSettings,
  token: string,
  now: Date,
): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, settings.secret, {
      algorithms: ALGORITHMS,
      typ: ACCESS_TYPE,
      issuer: settings.issuer,
      audience: settings.issuer,
      currentDate: now,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') throw new Error('claims missing');
    return {
      userId: payload.sub,
      sessionId: payload.sid,
      issuedAt: new Date((payload.iat ?? 0) * 1000),
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    };
  } catch (error) {
    const expired = error instanceof joseErrors.JWTExpired;
    throw unauthenticated(expired ? 'The access token has expired: refresh it' : 'The access token is not valid', {
      reason: expired ? 'expired' : 'invalid',
    });
  }
}

/** API keys read `croft_<prefix>_<secret>`: the prefix finds the row and is shown in lists. */
export const API_KEY_PATTERN = /^croft_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `croft_${prefix}_${randomToken(32)}`;
  return { key, prefix, hash: hashToken(key) };
}
