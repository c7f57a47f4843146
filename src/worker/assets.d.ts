// Vite's `?url` imports (vite docs, "Explicit URL Imports"): the emitted asset's URL.
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
