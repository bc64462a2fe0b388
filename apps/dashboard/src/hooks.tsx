import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiClient } from './api/api-client.ts';
import { useSession } from './session.tsx';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * REST data that is loaded again whenever `deps` change — pages pass the live event counters, so data is
 * fetched in response to broadcasts, never on a timer. Loads never overlap: a change during a load
 * triggers exactly one more load after it, and only the newest answer is shown.
 */
export function useResource<T>(load: (api: ApiClient) => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const { api } = useSession();
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const inFlight = useRef(false);
  const again = useRef(false);
  const alive = useRef(true);

  const run = useCallback(() => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef
      .current(api)
      .then(
        (data) => alive.current && setState({ data, error: undefined, loading: false }),
        (error: unknown) => alive.current && setState((s) => ({ data: s.data, error, loading: false })),
      )
      .finally(() => {
        inFlight.current = false;
        if (again.current && alive.current) {
          again.current = false;
          run();
        }
      });
  }, [api]);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // The caller's deps decide when to reload.
  useEffect(run, [run, ...deps]);
  return { ...state, reload: run };
}

/** The current time, updated every `intervalMs` (for countdowns and "x s ago"; no network). */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The path after `#`, e.g. `/runs/<id>`; the coordinator serves static files, so routes live in the hash. */
export function useHashRoute(): [string, (path: string) => void] {
  const read = () => window.location.hash.replace(/^#/, '') || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onChange = () => setPath(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return [path, (next) => (window.location.hash = next)];
}
