/**
 * A link (URL hash) that was not applied because the image opened is not the
 * one it was made for (state/linkIdentity.ts). Its own small store, apart from
 * the page's: the notice is about the URL, not about the image shown, and
 * survives image loads until the right image is opened or it is dismissed.
 */
import { create } from 'zustand';

export interface LinkMismatch {
  /** The identity the link names (a config digest prefix). */
  linkId: string;
  /** The identity of the image opened instead. */
  openedId: string | null;
}

export interface LinkNoticeState {
  mismatch: LinkMismatch | null;
}

export const useLinkNotice = create<LinkNoticeState>()(() => ({ mismatch: null }));

export function setLinkMismatch(m: LinkMismatch | null): void {
  useLinkNotice.setState({ mismatch: m });
}
