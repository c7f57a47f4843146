/**
 * "A new version of Layerscope is ready": shown when a new service worker is waiting
 * (serviceWorker.ts). Reloading closes the open image (it is never stored), so the
 * prompt says so and waits for the user.
 */
import { applyUpdate, dismissUpdate, useUpdate } from './serviceWorker';
import './UpdatePrompt.css';

export function UpdatePrompt() {
  const open = useUpdate((s) => s.waiting !== null && s.waiting !== s.dismissed);
  if (!open) return null;
  return (
    <div className="update-prompt" role="status" data-testid="update-prompt">
      <span>A new version of Layerscope is ready. Reload to use it (an open image is closed; open it again after).</span>
      <button type="button" className="btn btn-sm btn-primary" onClick={applyUpdate} data-testid="update-reload">
        Reload
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={dismissUpdate} data-testid="update-later">
        Later
      </button>
    </div>
  );
}
