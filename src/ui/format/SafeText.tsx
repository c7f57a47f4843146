/**
 * <SafeText text={name} />: untrusted text shown with its hidden characters
 * (bidi controls, zero-width, control characters) as marked visible tokens
 * (displayName.ts), isolated from the text around it (unicode-bidi: isolate), so
 * a name can neither disguise itself nor reorder the label it sits in.
 */
import { displayParts, tokenTitle } from './displayName';
import './SafeText.css';

/** `content`: the text of a file (previews): tab, newline and CR are kept as layout. */
export function SafeText({ text, className, content = false }: { text: string; className?: string; content?: boolean }) {
  const parts = displayParts(text, content);
  const marked = parts.length > 1 || !('text' in parts[0]!);
  return (
    <span className={className ? `safe-text ${className}` : 'safe-text'} data-invisible={marked ? 'true' : undefined}>
      {parts.map((p, i) =>
        'text' in p ? (
          p.text
        ) : (
          <span key={i} className="safe-token" title={tokenTitle(p.code)}>
            {p.token}
          </span>
        ),
      )}
    </span>
  );
}
