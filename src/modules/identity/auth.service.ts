import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, forbidden, invalid, notFound, unauthenticated } from '../../platform/errors.js';
import { sameSecret } from '../../platform/secrets.js';
import { isTimeZone } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import type { FarmsService, FarmRow } from '../farms/index.js';
import type { Caller, RequestMeta } from '../../platform/tenancy/caller.js';
import type { Role } from '../../platform/tenancy/access.js';
import {
  apiKeysRepository,
  instanceRepository,
  passwordResetsRepository,
  refreshTokensRepository,
  setupLock,
  throttleRepository,
  usersRepository,
  type UserRow,
} from './identity.repository.js';
import type { NewUser, ProfilePatch, Registration, Setup } from './identity.schemas.js';
import { assertPasswordAcceptable, hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.js';
import { afterFailure, isLocked } from './throttle.engine.js';
import { API_KEY_PATTERN, signAccessToken, verifyAccessToken, type AccessTokenSettings } from './tokens.js';
import { hashToken, randomToken, sameHash } from '../../platform/secrets.js';

export interface Session {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
  farms: FarmsService;
}

type PreparedUser = Omit<UserRow, 'id' | 'is_instance_admin'>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCAL_ADMIN_EMAIL = 'local@croft.invalid';

function normalEmail(email: string): string {
  const trimmed = email.trim();
  if (!EMAIL.test(trimmed))
    throw invalid('That is not an email address', {
      fields: [{ field: 'body.email', message: 'is not an email address' }],
    });
  return trimmed;
}

const wholeSeconds = (date: Date) => Math.floor(date.getTime() / 1000) * 1000;

/** Accounts, sign-in, sessions and the tokens that prove them. */
export class AuthService {
  #tokenSettings: AccessTokenSettings | undefined;

  constructor(private readonly deps: Deps) {}

  /** Loads (or makes, once per instance) the access-token signing key. Call before serving. */
  async start(): Promise<void> {
    const { config, db, clock } = this.deps;
    const secret =
      config.jwtSecret ?? (await db.system((tx) => instanceRepository.jwtSecret(tx, randomToken(48), clock.now())));
    this.#tokenSettings = {
      secret: new TextEncoder().encode(secret),
      issuer: config.jwtIssuer,
      ttlSeconds: config.accessTokenTtlS,
    };
    if (config.auth === 'none') await this.#ensureLocalAdmin();
  }

  get #tokens(): AccessTokenSettings {
    if (!this.#tokenSettings) throw new Error('AuthService.start() was not called');
    return this.#tokenSettings;
  }

  async #newSession(tx: Tx, userId: string, familyId: string, meta: RequestMeta | undefined): Promise<Session> {
    const now = this.deps.clock.now();
    const refreshToken = randomToken(32);
    await refreshTokensRepository.insert(tx, {
      family_id: familyId,
      user_id: userId,
      token_hash: hashToken(refreshToken),
      created_at: now,
      expires_at: new Date(now.getTime() + this.deps.config.refreshTokenTtlDays * 86_400_000),
      rotated_at: null,
      revoked_at: null,
      user_agent: meta?.userAgent?.slice(0, 500) ?? null,
      ip: meta?.ip ?? null,
    });
    const accessToken = await signAccessToken(this.#tokens, userId, familyId, now);
    return { accessToken, expiresIn: this.deps.config.accessTokenTtlS, refreshToken };
  }

  async #prepareUser(input: NewUser): Promise<PreparedUser> {
    const email = normalEmail(input.email);
    assertPasswordAcceptable(input.password, { email, name: input.name });
    if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
      throw invalid(`"${input.timezone}" is not an IANA time zone`, {
        fields: [{ field: 'body.timezone', message: 'is not a known time zone' }],
      });
    }
    const now = this.deps.clock.now();
    return {
      email,
      name: input.name.trim(),
      locale: input.locale ?? 'en',
      time_zone: input.timezone ?? 'UTC',
      password_hash: await hashPassword(input.password),
      disabled_at: null,
      tokens_valid_after: now,
      created_at: now,
      updated_at: now,
    };
  }

  async #insertUser(tx: Tx, user: PreparedUser, isAdmin: boolean): Promise<UserRow> {
    if (await usersRepository.findByEmail(tx, user.email)) {
      throw conflict('EMAIL_TAKEN', 'An account with this email address exists: sign in instead');
    }
    return usersRepository.insert(tx, { ...user, is_instance_admin: isAdmin });
  }

  /** Whether first-run setup is still open (no user exists yet). */
  async needsSetup(): Promise<boolean> {
    return !(await this.deps.db.system((tx) => usersRepository.any(tx)));
  }

  /** First run: the first user (instance admin) and their first farm, in one transaction. */
  async setup(input: Setup, meta: RequestMeta): Promise<{ session: Session; user: UserRow; farm: FarmRow }> {
    const { config, db, farms } = this.deps;
    if (config.setupToken !== undefined && !sameSecret(input.setupToken, config.setupToken)) {
      throw forbidden('Setting up this Croft needs the setup token its operator set (CROFT_SETUP_TOKEN)', {
        reason: 'setup_token',
      });
    }
    if (!(await this.needsSetup())) throw conflict('ALREADY_SET_UP', 'Croft is already set up: sign in instead');
    const user = await this.#prepareUser(input);
    const plan = await farms.prepareFarm(input.farm);
    return db.system(async (tx) => {
      await setupLock.take(tx);
      if (await usersRepository.any(tx)) throw conflict('ALREADY_SET_UP', 'Croft is already set up: sign in instead');
      const created = await this.#insertUser(tx, user, true);
      const farm = await farms.insertFarm(tx, plan.id, plan.slug, input.farm, created.id, meta);
      await recordAudit(tx, this.deps.clock, {
        userId: created.id,
        meta,
        eventType: 'auth.setup',
        category: 'auth',
        message: 'First-run setup',
      });
      const session = await this.#newSession(tx, created.id, randomUUID(), meta);
      return { session, user: created, farm };
    });
  }

  /** Registration, as CROFT_REGISTRATION allows: `open`, `invite` (an invitation token needed) or `closed`. */
  /** The signed-in person joins a farm by an invitation's token. */
  async acceptInvitation(caller: Caller, token: string, meta: RequestMeta): Promise<{ farmId: string; role: Role }> {
    if (caller.kind !== 'user') throw forbidden('Only a signed-in person can do this, not an API key');
    const userId = caller.userId;
    return this.deps.db.system(async (tx) => {
      const user = await usersRepository.findById(tx, userId);
      if (!user) throw notFound('User');
      return this.deps.farms.acceptInTx(tx, token, user, meta);
    });
  }

  async register(input: Registration, meta: RequestMeta): Promise<UserRow> {
    const mode = this.deps.config.registration;
    if (mode === 'closed')
      throw forbidden('Registration is closed on this Croft: ask its admin for an account', {
        reason: 'registration_closed',
      });
    if (mode === 'invite' && !input.invitation) {
      throw forbidden('Registration here needs an invitation: open the link you were sent', {
        reason: 'invitation_required',
      });
    }
    const prepared = await this.#prepareUser(input);
    return this.deps.db.system(async (tx) => {
      const user = await this.#insertUser(tx, prepared, false);
      await recordAudit(tx, this.deps.clock, {
        userId: user.id,
        meta,
        eventType: 'auth.registered',
        category: 'auth',
        message: 'Account created',
      });
      if (input.invitation) await this.deps.farms.acceptInTx(tx, input.invitation, user, meta);
      return user;
    });
  }

  /**
   * Signs in. Failures count against the submitted email whether or not an account has it, and an
   * unknown email answers exactly like a wrong password.
   */
  async login(email: string, password: string, meta: RequestMeta): Promise<Session> {
    const { db, clock, config } = this.deps;
    const emailKey = email.trim().toLowerCase();
    const lockedUntil = await db.system(async (tx) =>
      isLocked(await throttleRepository.get(tx, emailKey), clock.now()),
    );
    if (lockedUntil) throw this.#locked(lockedUntil);
    const user = await db.system((tx) => usersRepository.findByEmail(tx, emailKey));
    const ok = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstNothing(password);
    if (!ok || !user) {
      const nowLocked = await db.system(async (tx) => {
        const now = clock.now();
        const state = afterFailure(
          await throttleRepository.get(tx, emailKey),
          { failures: config.lockoutFailures, minutes: config.lockoutMinutes },
          now,
        );
        await throttleRepository.save(tx, emailKey, state, now);
        await recordAudit(tx, clock, {
          userId: user?.id ?? null,
          meta,
          eventType: 'auth.login_failed',
          category: 'auth',
          severity: 'warning',
          message: 'Sign-in failed',
          data: { email: emailKey, locked: isLocked(state, now) !== undefined },
        });
        return isLocked(state, now);
      });
      if (nowLocked) throw this.#locked(nowLocked);
      throw unauthenticated('The email address or the password is wrong', { reason: 'invalid_credentials' });
    }
    if (user.disabled_at)
      throw forbidden('This account is disabled: ask the admin of this Croft', { reason: 'account_disabled' });
    return db.system(async (tx) => {
      await throttleRepository.clear(tx, emailKey);
      await recordAudit(tx, clock, {
        userId: user.id,
        meta,
        eventType: 'auth.login',
        category: 'auth',
        message: 'Signed in',
      });
      return this.#newSession(tx, user.id, randomUUID(), meta);
    });
  }

  #locked(until: Date): DomainError {
    const retryAfter = Math.ceil((until.getTime() - this.deps.clock.now().getTime()) / 1000);
    return new DomainError(
      'locked',
      'ACCOUNT_LOCKED',
      `Too many failed sign-ins: try again in ${Math.ceil(retryAfter / 60)} minutes`,
      { retry_after_seconds: retryAfter },
    );
  }

  /**
   * Trades a refresh token for a new pair. Each token works once. A token used again more than the
   * grace period after it was rotated means it was stolen: the whole sign-in is revoked. Within the
   * grace (two tabs racing) the late one is refused and nothing is revoked.
   */
  async refresh(token: string, meta: RequestMeta): Promise<Session> {
    const { db, clock, config } = this.deps;
    const tokenHash = hashToken(token);
    const outcome = await db.system(async (tx): Promise<Session | 'invalid' | 'race' | 'reuse'> => {
      const now = clock.now();
      const rotated = await refreshTokensRepository.rotate(tx, tokenHash, now);
      if (rotated) {
        const user = await usersRepository.findById(tx, rotated.user_id);
        if (!user || user.disabled_at) return 'invalid';
        return this.#newSession(tx, rotated.user_id, rotated.family_id, meta);
      }
      const existing = await refreshTokensRepository.findByHash(tx, tokenHash);
      if (!existing || existing.revoked_at || existing.expires_at <= now || !existing.rotated_at) return 'invalid';
      if (now.getTime() - existing.rotated_at.getTime() <= config.refreshGraceS * 1000) return 'race';
      await refreshTokensRepository.revokeFamily(tx, existing.family_id, now);
      await recordAudit(tx, clock, {
        userId: existing.user_id,
        meta,
        eventType: 'auth.refresh_reuse',
        category: 'auth',
        severity: 'critical',
        message: 'A refresh token was used twice: the session was ended',
        data: { family_id: existing.family_id },
      });
      return 'reuse';
    });
    if (typeof outcome === 'object') return outcome;
    throw unauthenticated(
      outcome === 'race'
        ? 'This refresh token was just used by another request'
        : 'The session has ended: sign in again',
      { reason: outcome === 'invalid' ? 'refresh_invalid' : outcome === 'race' ? 'refresh_race' : 'refresh_reused' },
    );
  }

  /** Ends the sign-in the refresh token belongs to. Unknown tokens are ignored (logging out twice is fine). */
  async logout(token: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.system(async (tx) => {
      const existing = await refreshTokensRepository.findByHash(tx, hashToken(token));
      if (!existing) return;
      await refreshTokensRepository.revokeFamily(tx, existing.family_id, this.deps.clock.now());
      await recordAudit(tx, this.deps.clock, {
        userId: existing.user_id,
        meta,
        eventType: 'auth.logout',
        category: 'auth',
        message: 'Signed out',
      });
    });
  }

  /** Ends every sign-in of the caller, this one included. */
  async logoutAll(caller: Caller, meta: RequestMeta): Promise<void> {
    const userId = this.#person(caller);
    await this.deps.db.user(userId, async (tx) => {
      const now = this.deps.clock.now();
      await refreshTokensRepository.revokeForUser(tx, userId, now);
      await usersRepository.update(tx, userId, { tokens_valid_after: now, updated_at: now });
      await recordAudit(tx, this.deps.clock, {
        caller,
        meta,
        eventType: 'auth.logout_all',
        category: 'auth',
        message: 'Signed out everywhere',
      });
    });
  }

  async me(caller: Caller): Promise<UserRow> {
    const userId = this.#person(caller);
    const user = await this.deps.db.user(userId, (tx) => usersRepository.findById(tx, userId));
    if (!user) throw unauthenticated();
    return user;
  }

  async updateProfile(caller: Caller, patch: ProfilePatch): Promise<UserRow> {
    const userId = this.#person(caller);
    if (patch.timezone !== undefined && !isTimeZone(patch.timezone)) {
      throw invalid(`"${patch.timezone}" is not an IANA time zone`, {
        fields: [{ field: 'body.timezone', message: 'is not a known time zone' }],
      });
    }
    return this.deps.db.user(userId, (tx) =>
      usersRepository.update(tx, userId, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
        ...(patch.timezone !== undefined ? { time_zone: patch.timezone } : {}),
        updated_at: this.deps.clock.now(),
      }),
    );
  }

  /** Changes the caller's password and ends their other sign-ins; returns a fresh pair for this one. */
  async changePassword(caller: Caller, current: string, next: string, meta: RequestMeta): Promise<Session> {
    const userId = this.#person(caller);
    const user = await this.me(caller);
    if (!(await verifyPassword(user.password_hash, current))) {
      throw forbidden('The current password is wrong', { reason: 'wrong_password' });
    }
    assertPasswordAcceptable(next, { email: user.email, name: user.name }, 'new_password');
    const passwordHash = await hashPassword(next);
    const sessionId = caller.kind === 'user' ? caller.sessionId : randomUUID();
    return this.deps.db.system(async (tx) => {
      const now = this.deps.clock.now();
      await usersRepository.update(tx, userId, {
        password_hash: passwordHash,
        tokens_valid_after: now,
        updated_at: now,
      });
      await refreshTokensRepository.revokeForUser(tx, userId, now);
      await recordAudit(tx, this.deps.clock, {
        caller,
        meta,
        eventType: 'auth.password_changed',
        category: 'auth',
        severity: 'warning',
        message: 'Password changed; other sessions ended',
      });
      return this.#newSession(tx, userId, sessionId, meta);
    });
  }

  /** A one-time password-reset token for the account with this email (printed by the command line). */
  async createPasswordReset(email: string): Promise<string> {
    const token = randomToken(32);
    await this.deps.db.system(async (tx) => {
      const user = await usersRepository.findByEmail(tx, email);
      if (!user) throw notFound('User', { email });
      const now = this.deps.clock.now();
      await passwordResetsRepository.insert(
        tx,
        hashToken(token),
        user.id,
        now,
        new Date(now.getTime() + this.deps.config.passwordResetTtlMinutes * 60_000),
      );
      await recordAudit(tx, this.deps.clock, {
        userId: user.id,
        eventType: 'auth.reset_created',
        category: 'auth',
        message: 'Password reset issued',
      });
    });
    return token;
  }

  /** Sets a new password with a reset token (once) and ends every sign-in of that account. */
  async resetPassword(token: string, password: string, meta: RequestMeta): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.deps.db.system(async (tx) => {
      const now = this.deps.clock.now();
      const userId = await passwordResetsRepository.use(tx, hashToken(token), now);
      if (!userId) throw unauthenticated('This reset link is unknown, used or expired', { reason: 'reset_invalid' });
      const user = await usersRepository.findById(tx, userId);
      if (!user) throw unauthenticated('This reset link is unknown, used or expired', { reason: 'reset_invalid' });
      assertPasswordAcceptable(password, { email: user.email, name: user.name });
      await usersRepository.update(tx, userId, {
        password_hash: passwordHash,
        tokens_valid_after: now,
        updated_at: now,
      });
      await refreshTokensRepository.revokeForUser(tx, userId, now);
      await recordAudit(tx, this.deps.clock, {
        userId,
        meta,
        eventType: 'auth.password_reset',
        category: 'auth',
        severity: 'warning',
        message: 'Password reset; all sessions ended',
      });
    });
  }

  /** An instance admin disables (or enables) an account; disabling ends its sessions at once. */
  async setDisabled(caller: Caller, userId: string, disabled: boolean, meta: RequestMeta): Promise<UserRow> {
    if (caller.kind !== 'user' || !caller.isInstanceAdmin) throw forbidden('Only an instance admin can do this');
    if (disabled && userId === caller.userId)
      throw conflict('CANNOT_DISABLE_SELF', 'You cannot disable your own account');
    return this.deps.db.system(async (tx) => {
      const now = this.deps.clock.now();
      const user = await usersRepository.findById(tx, userId);
      if (!user) throw notFound('User', { id: userId });
      const updated = await usersRepository.update(
        tx,
        userId,
        disabled
          ? { disabled_at: user.disabled_at ?? now, tokens_valid_after: now, updated_at: now }
          : { disabled_at: null, updated_at: now },
      );
      if (disabled) await refreshTokensRepository.revokeForUser(tx, userId, now);
      await recordAudit(tx, this.deps.clock, {
        caller,
        meta,
        eventType: disabled ? 'user.disabled' : 'user.enabled',
        category: 'users',
        severity: 'warning',
        message: disabled ? 'Account disabled' : 'Account enabled',
        data: { user_id: userId },
      });
      return updated;
    });
  }

  /**
   * Who a bearer credential belongs to: an access token (JWT) or an API key. Disabled accounts,
   * tokens issued before a password change and revoked keys answer 401.
   */
  async authenticate(credential: string): Promise<Caller> {
    return (await this.authenticateUntil(credential)).caller;
  }

  /** As {@link authenticate}, with when the credential stops working (null: an API key, until revoked). */
  async authenticateUntil(credential: string): Promise<{ caller: Caller; expiresAt: Date | null }> {
    const { db, clock } = this.deps;
    const apiKey = API_KEY_PATTERN.exec(credential);
    if (apiKey) {
      const key = await db.system(async (tx) => {
        const row = await apiKeysRepository.findLiveByPrefix(tx, apiKey[1]!);
        if (!row || !sameHash(row.key_hash, hashToken(credential))) return undefined;
        const now = clock.now();
        // Recorded at most once a minute per key, so a busy gateway does not write on every call.
        if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000)
          await apiKeysRepository.touch(tx, row.id, now);
        return row;
      });
      if (!key) throw unauthenticated('The API key is not valid', { reason: 'invalid' });
      return { caller: { kind: 'api_key', apiKeyId: key.id, farmId: key.farm_id, role: key.role }, expiresAt: null };
    }
    const claims = await verifyAccessToken(this.#tokens, credential, clock.now());
    const user = await db.system((tx) => usersRepository.findById(tx, claims.userId));
    if (!user || user.disabled_at || claims.issuedAt.getTime() < wholeSeconds(user.tokens_valid_after)) {
      throw unauthenticated('The session has ended: sign in again', { reason: 'revoked' });
    }
    return {
      caller: { kind: 'user', userId: user.id, sessionId: claims.sessionId, isInstanceAdmin: user.is_instance_admin },
      expiresAt: claims.expiresAt,
    };
  }

  /** Light mode (CROFT_AUTH=none): the local admin every request acts as. */
  async localCaller(): Promise<Caller> {
    const user = await this.deps.db.system((tx) => usersRepository.findByEmail(tx, LOCAL_ADMIN_EMAIL));
    if (!user) throw new Error('Light mode: the local admin is missing');
    return { kind: 'user', userId: user.id, sessionId: 'local', isInstanceAdmin: true };
  }

  async #ensureLocalAdmin(): Promise<void> {
    const existing = await this.deps.db.system((tx) => usersRepository.findByEmail(tx, LOCAL_ADMIN_EMAIL));
    if (existing) return;
    await this.setup(
      {
        email: LOCAL_ADMIN_EMAIL,
        password: randomToken(24),
        name: 'Local admin',
        farm: { name: 'My farm', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' },
      },
      { ip: null, userAgent: 'croft' },
    ).catch(async (error: unknown) => {
      if (error instanceof DomainError && error.code === 'ALREADY_SET_UP') {
        throw new Error('CROFT_AUTH=none needs a Croft with no accounts yet, or one that started in light mode before');
      }
      throw error;
    });
  }

  #person(caller: Caller): string {
    if (caller.kind !== 'user') throw forbidden('API keys act only within their farm');
    return caller.userId;
  }
}
