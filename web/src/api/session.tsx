import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  forgetPerson,
  keepData,
  logoutPending,
  rememberedPerson,
  rememberPerson,
  restoreData,
} from '../offline/kept-data';
import { isTransient, outbox } from '../offline/outbox';
import { api, ApiError, setAccessToken, setRefresher, unwrap } from './client';
import type { paths } from './generated/openapi';

export type User = paths['/api/v1/auth/me']['get']['responses'][200]['content']['application/json'];
type Tokens = { access_token: string; expires_in: number };
export type SetupBody = paths['/api/v1/auth/setup']['post']['requestBody']['content']['application/json'];

export type SessionState =
  | { status: 'loading' }
  | { status: 'needs-setup' }
  | { status: 'signed-out' }
  /** Croft could not be asked (no network, busy, restarting): the sign-in is kept and retried. */
  | { status: 'unreachable'; error: unknown; retry: () => void }
  /**
   * `offline`: Croft could not be asked at start, and the person signed in last on this phone works on with
   * what the phone kept; their writes wait on the phone until Croft renews the sign-in.
   */
  | { status: 'signed-in'; user: User; offline?: boolean };

interface Session {
  state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  setUp(body: SetupBody): Promise<string>;
  signOut(): Promise<void>;
  changePassword(current: string, next: string): Promise<void>;
  updateProfile(patch: Partial<Pick<User, 'locale' | 'name' | 'timezone'>>): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

/** Signs in, keeps the access token fresh (refresh cookie), and signs out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const queryClient = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refreshing = useRef<Promise<string | undefined>>(undefined);
  const lastError = useRef<unknown>(undefined);
  /** Whose data the phone keeps now, and how to stop keeping it. */
  const person = useRef<{ id: string; stop: () => void }>(undefined);

  /** A person is signed in (or works offline as the one signed in last): their data and queue come back. */
  const signedIn = useCallback(
    async (user: User, offline = false) => {
      if (person.current?.id !== user.id) {
        person.current?.stop();
        await restoreData(queryClient, user.id);
        person.current = { id: user.id, stop: keepData(queryClient, user.id) };
      }
      if (!offline) void rememberPerson(user);
      void outbox.use(user.id, !offline);
      setState({ status: 'signed-in', user, ...(offline ? { offline } : {}) });
    },
    [queryClient],
  );

  const accept = useCallback((tokens: Tokens) => {
    setAccessToken(tokens.access_token);
    clearTimeout(timer.current);
    // Renew a minute before expiry (or halfway for short tokens).
    const renewIn = Math.max(5, Math.min(tokens.expires_in - 60, tokens.expires_in / 2)) * 1000;
    timer.current = setTimeout(() => void refresh(), renewIn);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /** Signed out, or the sign-in ended: the person's kept data leaves the phone; their queued writes wait. */
  const signedOut = useCallback(() => {
    setAccessToken(undefined);
    clearTimeout(timer.current);
    const was = person.current;
    person.current = undefined;
    was?.stop();
    if (was) void forgetPerson(was.id);
    void outbox.use(undefined, false);
    queryClient.clear();
    setState({ status: 'signed-out' });
  }, [queryClient]);

  /**
   * One refresh at a time: the refresh token rotates, so two at once would race. Only Croft saying the
   * sign-in is over signs out; a lost connection or a busy server keeps it and tries again.
   */
  const refresh = useCallback((): Promise<string | undefined> => {
    refreshing.current ??= (async () => {
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            const tokens = await unwrap(api.POST('/api/v1/auth/refresh', { body: {} }));
            accept(tokens);
            return tokens.access_token;
          } catch (error) {
            // Another tab refreshed a moment ago: its new cookie is ours too, so ask once more.
            if (error instanceof ApiError && error.details.reason === 'refresh_race' && attempt === 0) {
              await new Promise((resolve) => setTimeout(resolve, 500));
              continue;
            }
            throw error;
          }
        }
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) signedOut();
        else {
          clearTimeout(timer.current);
          timer.current = setTimeout(() => void refresh(), 15_000);
          lastError.current = error;
        }
        return undefined;
      } finally {
        refreshing.current = undefined;
      }
    })();
    return refreshing.current;
  }, [accept, signedOut]);

  const loadUser = useCallback(async () => {
    await signedIn(await unwrap(api.GET('/api/v1/auth/me')));
  }, [signedIn]);

  useEffect(() => {
    setRefresher(refresh);
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const boot = async (quietly = false) => {
      lastError.current = undefined;
      try {
        // A sign-out made without a connection: Croft ends that sign-in before anything else.
        if (logoutPending.get()) {
          await unwrap(api.POST('/api/v1/auth/logout', { body: {} }));
          logoutPending.clear();
        }
        const status = await unwrap(api.GET('/api/v1/auth/status'));
        if (stopped) return;
        if (status.needs_setup) return setState({ status: 'needs-setup' });
        // Light mode (CROFT_AUTH=none): every request is the local admin; there is nobody to sign in.
        if (status.light_mode) return await loadUser();
        if (!(await refresh())) {
          if (lastError.current === undefined) return; // signed out
          throw lastError.current as Error;
        }
        await loadUser();
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403))
          return setState({ status: 'signed-out' });
        const again = () => {
          clearTimeout(retry);
          setState({ status: 'loading' });
          void boot();
        };
        // No answer: the person signed in last on this phone works on with what it kept, and Croft is
        // asked again in the background.
        const kept = isTransient(error) && !logoutPending.get() ? await rememberedPerson<User>() : undefined;
        if (stopped) return;
        if (kept) {
          await signedIn(kept, true);
          retry = setTimeout(() => void boot(true), 10_000);
          return;
        }
        if (quietly) return void (retry = setTimeout(() => void boot(true), 10_000));
        setState({ status: 'unreachable', error, retry: again });
        retry = setTimeout(again, 10_000);
      }
    };
    void boot();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(timer.current);
    };
  }, [refresh, loadUser, signedIn]);

  const session = useMemo<Session>(
    () => ({
      state,
      async signIn(email, password) {
        accept(await unwrap(api.POST('/api/v1/auth/login', { body: { email, password } })));
        // The new sign-in's cookie replaced the one a sign-out without a connection left behind.
        logoutPending.clear();
        await loadUser();
      },
      async setUp(body) {
        const result = await unwrap(api.POST('/api/v1/auth/setup', { body }));
        accept(result);
        await signedIn(result.user);
        return result.farm.slug;
      },
      async signOut() {
        await unwrap(api.POST('/api/v1/auth/logout', { body: {} })).catch((error: unknown) => {
          // Without a connection the sign-in cookie stays: Croft ends it at the next start, before all else.
          if (isTransient(error)) logoutPending.set();
        });
        signedOut();
      },
      async changePassword(current, next) {
        accept(
          await unwrap(api.POST('/api/v1/auth/password', { body: { current_password: current, new_password: next } })),
        );
      },
      async updateProfile(patch) {
        await signedIn(await unwrap(api.PATCH('/api/v1/auth/me', { body: patch })));
      },
    }),
    [state, accept, loadUser, signedIn, signedOut],
  );

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user (only under a signed-in route). */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser while not signed in');
  return state.user;
}
