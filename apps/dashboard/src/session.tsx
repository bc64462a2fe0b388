import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from 'react';
import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiClient, ApiError } from './api/api-client.ts';
import type { FederationAction, FederationState } from './live/federation-state.ts';
import { federationReducer, initialFederationState, needsSnapshot } from './live/federation-state.ts';
import { OpsConnection } from './live/ops-connection.ts';
import { staleRoutes } from './live/stale-queries.ts';

const TOKEN_KEY = 'fedfuse.operatorToken';

/** The operator token lives in sessionStorage: gone when the tab closes, never in localStorage. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export interface Problem {
  id: number;
  at: number;
  message: string;
}

interface Session {
  api: ApiClient;
  federation: FederationState;
  dispatch: (action: FederationAction) => void;
  connection: OpsConnection;
  /** Shows an error to the operator (API errors, failed downloads); nothing is swallowed. */
  report: (error: unknown, context?: string) => void;
  problems: Problem[];
  dismiss: (id: number) => void;
  signOut: (reason?: string) => void;
  siteName: (siteId: string) => string;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** The message an operator reads for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * REST answers stay fresh until a broadcast says otherwise (staleRoutes): no polling, no refetch on focus,
 * and a failed load is shown to the operator with a retry button rather than retried behind their back.
 */
function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { staleTime: Infinity, retry: false, refetchOnWindowFocus: false } },
  });
}

/** Signed-in state: the REST client, the live /ops connection and what it has told us so far. */
export function SessionProvider(props: {
  token: string;
  onSignOut: (reason?: string) => void;
  children: ReactNode;
}) {
  const { token, onSignOut } = props;
  const [federation, dispatch] = useReducer(federationReducer, undefined, () => initialFederationState());
  const [problems, setProblems] = useState<Problem[]>([]);
  const nextProblem = useRef(1);
  const api = useMemo(() => new ApiClient({ baseUrl: '', token }), [token]);
  // One cache per sign-in: another token never sees the previous operator's answers.
  const queries = useMemo(newQueryClient, [token]);
  const stateRef = useRef(federation);
  stateRef.current = federation;

  const report = useCallback((error: unknown, context?: string) => {
    const message = `${context ? `${context}: ` : ''}${describeError(error)}`;
    console.error(message, error);
    setProblems((list) => [...list.slice(-7), { id: nextProblem.current++, at: Date.now(), message }]);
  }, []);

  const connection = useMemo(() => {
    const ops: OpsConnection = new OpsConnection({
      url: '',
      token,
      onState: (state) => dispatch({ type: 'connection', state }),
      onInvalid: (event, message) => dispatch({ type: 'invalid', event, message }),
      onEvent: (event) => {
        const refresh = needsSnapshot(stateRef.current, event);
        for (const route of staleRoutes(stateRef.current, event))
          void queries.invalidateQueries({ queryKey: [route] });
        dispatch(event);
        if (event.type === 'federation:synced') {
          // Recent activity for the overview, once per (re)connect.
          ops
            .listAudit({ limit: 20, before: null, cursor: null })
            .then((page) => dispatch({ type: 'activity', entries: page.entries }))
            .catch((error: unknown) => report(error, 'loading recent activity'));
        }
        if (refresh) {
          ops
            .requestSnapshot()
            .then((payload) => dispatch({ type: 'snapshot', payload }))
            .catch((error: unknown) => report(error, 'refreshing the federation snapshot'));
        }
      },
    });
    return ops;
  }, [token, report, queries]);

  useEffect(() => {
    connection.start();
    return () => connection.stop();
  }, [connection]);

  const session = useMemo<Session>(() => {
    const names = new Map(federation.sites.map((s) => [s.siteId, s.name]));
    return {
      api,
      federation,
      dispatch,
      connection,
      report,
      problems,
      dismiss: (id) => setProblems((list) => list.filter((p) => p.id !== id)),
      signOut: onSignOut,
      siteName: (siteId) => names.get(siteId) ?? siteId.slice(0, 8),
    };
  }, [api, federation, connection, report, problems, onSignOut]);

  return (
    <QueryClientProvider client={queries}>
      <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>
    </QueryClientProvider>
  );
}
