// Owned by the tree engineer; replaced with the real component.
export function FileTree() {
  return <section aria-label="Merged file tree" className="file-tree" />;
}
