export function installBenchHook(): void {}
