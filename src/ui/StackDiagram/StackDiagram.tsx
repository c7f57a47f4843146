// Owned by the stack-diagram engineer; replaced with the real component.
export function StackDiagram() {
  return <section aria-label="Layer stack" className="stack-diagram" />;
}
