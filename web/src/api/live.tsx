import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { getAccessToken } from './client';
import { useSession } from './session';
import type { LiveClientMessage, LiveReading, LiveServerMessage } from './generated/live';

export type LiveStatus = 'connecting' | 'live' | 'offline';
type ReadingListener = (reading: LiveReading) => void;

interface Live {
  status: LiveStatus;
  /** Listens to one device's readings (or every device's with `*`); returns the unsubscriber. */
  onReading(device: string, listener: ReadingListener): () => void;
}

const LiveContext = createContext<Live>({ status: 'offline', onReading: () => () => undefined });

/** Close codes after which reconnecting cannot help. */
const FINAL = new Set([4003, 4004]);
/** Farm events → the queries they make stale. */
const STALE_BY_EVENT: Record<string, string[]> = {
  command: ['commands', 'devices'],
  device: ['devices'],
  alert: ['alerts', 'devices'],
  // Today's list and every task list of the farm (and whether its home is Today).
  task: ['tasks', 'home'],
};

/**
 * One live socket for the farm on screen: it signs in with the access token (again whenever the token
 * is renewed), subscribes to the whole farm, hands readings to the charts listening for them, and marks
 * the queries a farm event or a notification changes as stale so every page shows the news.
 */
export function LiveProvider({ farm, children }: { farm: string; children: ReactNode }) {
  const queryClient = useQueryClient();
  const { state } = useSession();
  const signedIn = state.status === 'signed-in';
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Map<string, Set<ReadingListener>>());

  useEffect(() => {
    if (!signedIn) return;
    let socket: WebSocket | undefined;
    let stopped = false;
    let attempt = 0;
    let sentToken: string | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const send = (message: LiveClientMessage) =>
      socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));

    const connect = () => {
      setStatus('connecting');
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${location.host}/api/v1/farms/${encodeURIComponent(farm)}/live`);
      socket.onopen = () => {
        sentToken = getAccessToken();
        if (sentToken) send({ type: 'auth', token: sentToken });
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as LiveServerMessage;
        switch (message.type) {
          case 'authenticated':
            attempt = 0;
            send({ type: 'subscribe' });
            break;
          case 'subscribed':
            setStatus('live');
            // Whatever changed while the socket was down.
            void queryClient.invalidateQueries({ queryKey: [farm] });
            break;
          case 'reading':
            for (const key of [message.device, '*'])
              for (const listener of listeners.current.get(key) ?? []) listener(message);
            break;
          case 'notification':
            void queryClient.invalidateQueries({ queryKey: ['notifications'] });
            break;
          case 'command':
          case 'device':
          case 'alert':
          case 'task':
            for (const stale of STALE_BY_EVENT[message.type] ?? [])
              void queryClient.invalidateQueries({ queryKey: [farm, stale] });
            break;
          default:
            break;
        }
      };
      socket.onclose = (event) => {
        setStatus('offline');
        if (stopped || FINAL.has(event.code)) return;
        attempt++;
        retry = setTimeout(connect, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
      };
    };
    connect();
    // A renewed access token is sent on the open socket before the old one expires.
    const renew = setInterval(() => {
      const token = getAccessToken();
      if (token && token !== sentToken) {
        sentToken = token;
        send({ type: 'auth', token });
      }
    }, 5_000);
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(renew);
      socket?.close(1000);
    };
  }, [farm, signedIn, queryClient]);

  const onReading = useCallback((device: string, listener: ReadingListener) => {
    const set = listeners.current.get(device) ?? new Set();
    set.add(listener);
    listeners.current.set(device, set);
    return () => {
      set.delete(listener);
    };
  }, []);
  const live = useMemo<Live>(() => ({ status, onReading }), [status, onReading]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}

/** Calls `listener` with every live reading of `device` (or of every device with `*`). */
export function useLiveReadings(device: string, listener: ReadingListener): void {
  const { onReading } = useLive();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => onReading(device, (reading) => latest.current(reading)), [device, onReading]);
}
