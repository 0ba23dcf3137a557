import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.js';
import { forbidden, unauthenticated } from '../../platform/errors.js';
import { farmView } from '../farms/index.js';
import { callerOf, metaOf } from '../../platform/http/context.js';
import {
  AuthStatusView,
  LoginBody,
  PasswordChangeBody,
  PasswordResetBody,
  ProfilePatchBody,
  RefreshBody,
  RegisterBody,
  RegisterResponse,
  SetupBody,
  SetupResponse,
  TokenResponse,
  UserView,
} from './identity.schemas.js';
import { tokenView, userView } from './identity.views.js';
import type { AuthService } from './auth.service.js';

export const REFRESH_COOKIE = 'croft_refresh';
const COOKIE_PATH = '/api/v1/auth';
const PUBLIC = { security: [] as Array<Record<string, string[]>> };

/** Browsers send these requests with no body at all (the token is in the cookie). */
async function emptyBodyIsAnObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
const TAGS = { tags: ['auth'] };

function setRefreshCookie(reply: FastifyReply, config: Config, token: string): void {
  reply.setCookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.env === 'production',
    path: COOKIE_PATH,
    maxAge: config.refreshTokenTtlDays * 86_400,
  });
}

/**
 * The refresh token of a request: from the body (native apps) or the cookie (browsers). A cookie is
 * sent by the browser on its own, so cookie-based calls must also carry `X-Requested-With` — a header
 * a cross-site form cannot add and no cross-origin script may send without a CORS grant Croft never gives.
 */
function refreshTokenOf(
  request: FastifyRequest,
  bodyToken: string | undefined,
): { token: string | undefined; fromCookie: boolean } {
  if (bodyToken) return { token: bodyToken, fromCookie: false };
  const cookie = request.cookies[REFRESH_COOKIE];
  if (cookie && !request.headers['x-requested-with']) {
    throw forbidden('Cookie-based requests must send the X-Requested-With header', { reason: 'csrf' });
  }
  return { token: cookie, fromCookie: cookie !== undefined };
}

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; config: Config }> = async (app, deps) => {
  const { auth } = deps;
  const { config } = deps;
  const limited = { rateLimit: { max: config.authRateLimitPerMinute, timeWindow: 60_000 } };

  app.get(
    '/api/v1/auth/status',
    {
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary: 'Whether this Croft still needs its first-run setup, and how people may join',
        response: { 200: AuthStatusView },
      },
    },
    async () => ({
      needs_setup: await auth.needsSetup(),
      registration: config.registration,
      setup_token_required: config.setupToken !== undefined,
      light_mode: config.auth === 'none',
    }),
  );

  app.post(
    '/api/v1/auth/setup',
    {
      config: limited,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary: 'First run: create the first user (instance admin) and their first farm; 409 once done',
        body: SetupBody,
        response: { 201: SetupResponse },
      },
    },
    async (request, reply) => {
      const { farm: farmInput, setup_token: setupToken, ...user } = request.body;
      const result = await auth.setup({ ...user, farm: farmInput, setupToken }, metaOf(request));
      setRefreshCookie(reply, config, result.session.refreshToken);
      return reply.code(201).send({
        ...tokenView(result.session, false),
        user: userView(result.user),
        farm: farmView(result.farm, 'admin'),
      });
    },
  );

  app.post(
    '/api/v1/auth/register',
    {
      config: limited,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary: 'Create an account (CROFT_REGISTRATION: open, invite or closed)',
        body: RegisterBody,
        response: { 201: RegisterResponse },
      },
    },
    async (request, reply) => {
      const user = await auth.register(request.body, metaOf(request));
      return reply.code(201).send({ user: userView(user) });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: limited,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary:
          'Sign in: an access token in the body, the refresh token in an HttpOnly cookie (or the body when asked)',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const session = await auth.login(request.body.email, request.body.password, metaOf(request));
      setRefreshCookie(reply, config, session.refreshToken);
      return tokenView(session, request.body.refresh_in_body === true);
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      config: { rateLimit: { max: config.refreshRateLimitPerMinute, timeWindow: 60_000 } },
      preValidation: emptyBodyIsAnObject,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary: 'Trade the refresh token (cookie, or body) for a new access token and a new refresh token',
        body: RefreshBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { token, fromCookie } = refreshTokenOf(request, request.body.refresh_token);
      if (!token) throw unauthenticated('No refresh token: sign in', { reason: 'refresh_missing' });
      const session = await auth.refresh(token, metaOf(request));
      if (fromCookie) setRefreshCookie(reply, config, session.refreshToken);
      return tokenView(session, !fromCookie);
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      // The cookie goes whatever else happens (a missing header, a bad body): a shared phone signs out.
      onRequest: async (_request, reply) => {
        reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH });
      },
      preValidation: emptyBodyIsAnObject,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary: 'End this sign-in (the refresh token from the cookie or the body)',
        body: RefreshBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { token } = refreshTokenOf(request, request.body.refresh_token);
      if (token) await auth.logout(token, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/logout-all',
    {
      schema: { ...TAGS, summary: 'End every sign-in of this account, everywhere', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await auth.logoutAll(callerOf(request), metaOf(request));
      reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      schema: { ...TAGS, summary: 'The signed-in user', response: { 200: UserView } },
    },
    async (request) => userView(await auth.me(callerOf(request))),
  );

  app.patch(
    '/api/v1/auth/me',
    {
      schema: {
        ...TAGS,
        summary: 'Change your name, language or time zone',
        body: ProfilePatchBody,
        response: { 200: UserView },
      },
    },
    async (request) => userView(await auth.updateProfile(callerOf(request), request.body)),
  );

  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        ...TAGS,
        summary: 'Change your password; your other sign-ins end',
        body: PasswordChangeBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const session = await auth.changePassword(
        callerOf(request),
        request.body.current_password,
        request.body.new_password,
        metaOf(request),
      );
      setRefreshCookie(reply, config, session.refreshToken);
      return tokenView(session, false);
    },
  );

  app.post(
    '/api/v1/auth/password-reset',
    {
      config: limited,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary: 'Set a new password with a one-time reset token; every sign-in of the account ends',
        body: PasswordResetBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body.token, request.body.password, metaOf(request));
      return reply.code(204).send(null);
    },
  );
};
