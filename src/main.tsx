import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// The theme first, so component stylesheets (imported by App) win at equal specificity.
import './ui/theme.css';
import { App } from './ui/App/App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
