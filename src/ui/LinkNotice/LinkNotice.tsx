/**
 * What the page says about a link (the URL hash) made for another image
 * (state/linkIdentity.ts): in the explorer, that its view was not applied to
 * the image opened; on the landing, which image and — when this browser opened
 * it before — which file to open to restore the view. Names come from the
 * user's own storage or the image's tags: shown as text (SafeText), never markup.
 */
import { useEffect, useState } from 'react';
import { describeLinkId, pageStorage, recallLinkFile, type LinkFile } from '../../state/linkIdentity';
import { useLinkNotice } from '../../state/linkNotice';
import { dismissUnmatchedLink, parseHash } from '../../state/urlHash';
import { SafeText } from '../format/SafeText';
import './LinkNotice.css';

function FileHint({ file }: { file: LinkFile | null }) {
  if (!file) return null;
  return (
    <>
      {' '}
      This browser opened it from “<SafeText text={file.fileName} />”
      {file.image ? (
        <>
          {' '}
          (<SafeText text={file.image} />)
        </>
      ) : null}
      .
    </>
  );
}

/** In the explorer: the link's view was not applied, because the image opened is another one. */
export function LinkMismatchNotice() {
  const mismatch = useLinkNotice((s) => s.mismatch);
  if (!mismatch) return null;
  const file = recallLinkFile(pageStorage(), mismatch.linkId);
  return (
    <div className="link-notice link-notice--float" role="status" data-testid="link-mismatch">
      <span>
        This link is for image <code className="link-notice__id">{describeLinkId(mismatch.linkId)}</code>; open that image to restore the view.
        <FileHint file={file} />
        {mismatch.openedId ? (
          <>
            {' '}
            The image shown is <code className="link-notice__id">{describeLinkId(mismatch.openedId)}</code>.
          </>
        ) : null}
      </span>
      <button type="button" className="btn btn-sm btn-ghost" aria-label="Dismiss" onClick={dismissUnmatchedLink}>
        ×
      </button>
    </div>
  );
}

/** The link's image identity while the page has no image open (a reload, a shared link). */
const linkIdInUrl = () => (typeof window === 'undefined' ? undefined : parseHash(window.location.hash).id);

function useLinkIdInUrl(): string | undefined {
  const [id, setId] = useState(linkIdInUrl);
  useEffect(() => {
    const on = () => setId(linkIdInUrl());
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return id;
}

/** On the landing: which file to open for the link's view. */
export function LinkPendingNotice() {
  const id = useLinkIdInUrl();
  if (!id) return null;
  const file = recallLinkFile(pageStorage(), id);
  return (
    <p className="link-notice" role="status" data-testid="link-pending">
      {file ? (
        <span>
          This link shows a view of “<SafeText text={file.fileName} />”{file.image ? <> ({<SafeText text={file.image} />})</> : null}, image{' '}
          <code className="link-notice__id">{describeLinkId(id)}</code>: open that file again to restore the view. It is not uploaded anywhere, so the page
          cannot reopen it by itself.
        </span>
      ) : (
        <span>
          This link is for image <code className="link-notice__id">{describeLinkId(id)}</code>: open the archive holding that image to restore the view.
        </span>
      )}
    </p>
  );
}
