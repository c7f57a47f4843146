// Owned by the teaching engineer; replaced with the real component.
export function TeachPanel() {
  return null;
}
