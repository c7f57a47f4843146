import { useCallback, useState } from 'react';

/**
 * State that goes back to `initial` whenever one of `deps` changes (compared
 * with Object.is, like a hook's dependency list): e.g. the version picked for
 * preview, reset when another file is selected. React's "adjusting state when
 * a prop changes" — the reset happens during render, so no frame shows the
 * stale value and no effect runs to clear it
 * (react.dev/learn/you-might-not-need-an-effect#adjusting-some-state-when-a-prop-changes).
 * The setter is stable.
 */
export function useResetState<T>(initial: T, deps: readonly unknown[]): [T, (next: T | ((prev: T) => T)) => void] {
  const [s, setS] = useState(() => ({ deps, value: initial }));
  let value = s.value;
  if (!sameDeps(s.deps, deps)) {
    value = initial;
    setS({ deps, value });
  }
  const set = useCallback((next: T | ((prev: T) => T)) => {
    setS((prev) => ({ deps: prev.deps, value: typeof next === 'function' ? (next as (p: T) => T)(prev.value) : next }));
  }, []);
  return [value, set];
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
