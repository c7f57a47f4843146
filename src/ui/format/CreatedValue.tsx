/**
 * A config's `created` (image or history step): the date as UTC when it is one
 * (RFC 3339, config.md), else the text exactly as given, hidden characters shown,
 * marked invalid. Date.parse would turn "1" into 2001-01-01 (issue 9, point 12).
 */
import { formatTimestamp, isRfc3339 } from './format';
import { SafeText } from './SafeText';

export function CreatedValue({ created }: { created: string | null | undefined }) {
  if (!created) return null;
  if (!isRfc3339(created))
    return (
      <span data-testid="created-invalid">
        <SafeText text={created} /> <span className="chip chip--warn">not a valid date</span>
      </span>
    );
  return <>{formatTimestamp(created)}</>;
}

/** The same in plain text (titles, tooltips). */
export function createdText(created: string): string {
  return isRfc3339(created) ? formatTimestamp(created) : `${created} (not a valid date)`;
}
