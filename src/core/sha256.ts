/**
 * Streaming sha256 for digests (OCI image-spec descriptor.md: `sha256:<hex>`).
 * hash-wasm: one implementation for the browser, workers and Node, incremental
 * (WebCrypto's subtle.digest needs the whole input at once).
 */
import { createSHA256 } from 'hash-wasm';

export interface Hasher {
  update(b: Uint8Array): void;
  /** `sha256:<hex>` */
  digest(): string;
}

export async function createHasher(): Promise<Hasher> {
  const h = await createSHA256();
  h.init();
  return {
    update: (b) => {
      h.update(b);
    },
    digest: () => `sha256:${h.digest('hex')}`,
  };
}
