/**
 * A failed open, in plain words (role="alert": announced when it appears).
 * The message comes from state/loader.describeLoadError: what the file was
 * recognized as, what is wrong, what Layerscope expects. Rendered as text only.
 */
import './ErrorAlert.css';
import { SafeText } from '../format/SafeText';

export function ErrorAlert({ message, title = 'This file could not be opened' }: { message: string; title?: string }) {
  return (
    <div className="error-alert" role="alert" data-testid="error-alert">
      <svg className="error-alert__icon" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        <circle cx="10" cy="10" r="9" fill="currentColor" />
        <rect x="9" y="5" width="2" height="7" rx="1" fill="var(--bg)" />
        <rect x="9" y="13.5" width="2" height="2" rx="1" fill="var(--bg)" />
      </svg>
      <div className="error-alert__body">
        <p className="error-alert__title">{title}</p>
        <p className="error-alert__message">
          {/* The message quotes the file name and names from inside the archive. */}
          <SafeText text={message} />
        </p>
        <p className="error-alert__next">Drop another file, or choose one below.</p>
      </div>
    </div>
  );
}
