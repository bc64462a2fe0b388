import type { SiteAction, SiteDetail } from '@fedfuse/protocol';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { useSession } from '../../session.tsx';

/** Calls POST /api/sites/:id/:action and applies the answer at once (the broadcast follows). */
export function useSiteAction() {
  const { api, dispatch, report } = useSession();
  return async (site: { siteId: string; name: string }, action: SiteAction) => {
    try {
      const summary = await api.call('actOnSite', { params: { id: site.siteId, action } });
      dispatch({ type: 'site:updated', payload: summary });
    } catch (error) {
      report(error, `${action} ${site.name}`);
    }
  };
}

/** Suspend, reinstate and revoke, each offered only where the site's status allows it. */
export function SiteActions(props: { site: SiteDetail }) {
  const act = useSiteAction();
  const { site } = props;
  return (
    <div className="row-actions">
      {site.status === 'approved' && (
        <ConfirmButton
          label="Suspend"
          title={`Suspend ${site.name}?`}
          message="Its connection is dropped at once and it cannot join rounds or hand in updates until you reinstate it."
          danger
          onConfirm={() => act(site, 'suspend')}
        />
      )}
      {site.status === 'suspended' && (
        <button type="button" onClick={() => void act(site, 'reinstate')}>
          Reinstate
        </button>
      )}
      {site.status !== 'revoked' && (
        <ConfirmButton
          label="Revoke"
          title={`Revoke ${site.name}?`}
          message="Its keys are refused from now on; the site has to enroll again with a new token. This cannot be undone."
          danger
          onConfirm={() => act(site, 'revoke')}
        />
      )}
    </div>
  );
}
