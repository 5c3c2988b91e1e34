import { useEffect, useState } from 'react';
import { getHealth } from './api';
import { AlertBell } from './components/AlertBell';
import { Toasts } from './components/Toasts';
import { pageOf, PAGES } from './pages';
import { useRoute } from './route';
import { setTheme, useTheme } from './theme';

export function App() {
  const route = useRoute();
  const page = pageOf(route);
  const activeNav = page.navGroup ?? page.id;
  const theme = useTheme();
  const [version, setVersion] = useState<string>('');
  useEffect(() => {
    getHealth()
      .then((h) => setVersion(typeof h.version === 'string' ? h.version : ''))
      .catch(() => setVersion(''));
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/sessions">
          <span className="brand-mark" aria-hidden>
            <svg viewBox="0 0 24 24" width="20" height="20">
              <path d="M2 12h4l2-6 4 12 3-9 2 3h5" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </span>
          skbscope
          {version && <span className="brand-version">{version}</span>}
        </a>
        <nav className="nav">
          {PAGES.filter((p) => p.nav).map((p) => (
            <a key={p.id} href={`#/${p.id}`} className={activeNav === p.id ? 'active' : ''} data-testid={`nav-${p.id}`}>
              {p.nav}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          <AlertBell />
          <button
            className="icon-btn"
            data-testid="theme-toggle"
            title={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </div>
      </header>
      <main className="content">
        {page.render(route)}
      </main>
      <Toasts />
    </div>
  );
}
