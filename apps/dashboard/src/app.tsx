import { useCallback, useState } from 'react';
import { ConnectionBadge } from './components/connection-badge.tsx';
import { Problems } from './components/problems.tsx';
import { useHashRoute } from './hooks.tsx';
import { AuditPage } from './pages/audit/audit-page.tsx';
import { OverviewPage } from './pages/overview/overview-page.tsx';
import { RunDetailPage } from './pages/run-detail/run-detail-page.tsx';
import { RunsPage } from './pages/runs-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { SitesPage } from './pages/sites/sites-page.tsx';
import { SessionProvider, tokenStore, useSession } from './session.tsx';

/** Signed out: the sign-in form; signed in: the dashboard with its live connection. */
export function App() {
  const [token, setToken] = useState(tokenStore.get);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((reason?: string) => {
    tokenStore.clear();
    setNotice(reason ?? null);
    setToken(null);
  }, []);
  if (!token) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(t) => {
          tokenStore.set(t);
          setNotice(null);
          setToken(t);
        }}
      />
    );
  }
  return (
    <SessionProvider key={token} token={token} onSignOut={signOut}>
      <Shell />
    </SessionProvider>
  );
}

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/sites', label: 'Sites' },
  { path: '/runs', label: 'Runs' },
  { path: '/audit', label: 'Audit log' },
];

function Shell() {
  const { federation, signOut } = useSession();
  const [path, navigate] = useHashRoute();
  const section = `/${path.split('/')[1] ?? ''}`;
  const refused = federation.connection.status === 'refused';
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="#/">
          <span className="brand-mark" aria-hidden="true" />
          FedFuse <span className="brand-sub">operator</span>
        </a>
        <nav aria-label="Pages">
          {NAV.map((item) => (
            <a
              key={item.path}
              href={`#${item.path}`}
              aria-current={section === item.path ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          <ConnectionBadge state={federation.connection} />
          <button type="button" className="ghost" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {refused && (
        <div className="banner banner-bad" role="alert">
          The coordinator refused the live connection: {federation.connection.detail}.{' '}
          <button
            type="button"
            className="link"
            onClick={() => signOut('Sign in again with a valid operator token.')}
          >
            Sign in again
          </button>
        </div>
      )}
      <Problems />
      <main>
        <Route path={path} navigate={navigate} />
      </main>
    </div>
  );
}

function Route(props: { path: string; navigate: (path: string) => void }) {
  const parts = props.path.split('/').filter(Boolean);
  switch (parts[0]) {
    case undefined:
      return <OverviewPage />;
    case 'sites':
      return <SitesPage />;
    case 'runs':
      return parts[1] ? <RunDetailPage runId={parts[1]} /> : <RunsPage navigate={props.navigate} />;
    case 'audit':
      return <AuditPage />;
    default:
      return (
        <p className="empty">
          No page at <code>{props.path}</code>. <a href="#/">Back to the overview</a>.
        </p>
      );
  }
}
