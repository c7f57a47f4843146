import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// The theme first, so component stylesheets (imported by App) win at equal specificity.
import './ui/theme.css';
import { App } from './ui/App/App';

// The tree benchmark's hook (scripts/bench-tree.mjs) is in the bench build (`vite build
// --mode bench`, dist-bench/) and the dev server only: the condition is a constant in the
// production build, so the hook's module is not even emitted there.
if ((import.meta.env.MODE === 'bench' || import.meta.env.DEV) && new URLSearchParams(location.search).has('bench')) {
  void import('./ui/FileTree/benchHook').then((m) => m.installBenchHook());
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
