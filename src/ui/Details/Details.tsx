// Owned by the tree engineer; replaced with the real component.
export function Details() {
  return <section aria-label="Path details" className="details" />;
}
