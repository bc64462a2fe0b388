import { useQuery } from '@tanstack/react-query';
import type { JsonRouteName, RestCallArgs, RestResult } from '@fedfuse/protocol';
import { useSession } from '../session.tsx';

/** REST data as a page shows it: the last answer, the last error, whether a load runs, and a retry. */
export interface RestData<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * The cache key of a route call: the route name first, so a live event can mark every call of a route
 * stale at once (`invalidateQueries({ queryKey: [name] })`).
 */
function restQueryKey<K extends JsonRouteName>(name: K, args: RestCallArgs<K>): unknown[] {
  return [name, args.params ?? null, args.query ?? null];
}

/**
 * Route `name`'s answer through the query cache. Loads are never on a timer: live broadcasts invalidate
 * the routes they make stale (see staleRoutes), and only those refetch. `enabled: false` waits.
 */
export function useRestQuery<K extends JsonRouteName>(
  name: K,
  args: RestCallArgs<K>,
  options: { enabled?: boolean } = {},
): RestData<RestResult<K>> {
  const { api } = useSession();
  const query = useQuery({
    queryKey: restQueryKey(name, args),
    queryFn: () => api.call(name, args),
    enabled: options.enabled ?? true,
  });
  return {
    data: query.data,
    error: query.error ?? undefined,
    loading: query.isFetching,
    reload: () => void query.refetch(),
  };
}
