/**
 * Our `layerscope ls` listing in the reference's form (test/fixtures/expected,
 * made by skopeo + umoci): the first 7 columns, and a hardlink written as the
 * file it is on disk (`file`, empty link), as the reference's script documents.
 */
export function toOracleForm(listing: string): string[] {
  return listing
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const c = l.split('\t');
      if (c[1] === 'hardlink') {
        c[1] = 'file';
        c[6] = '';
      }
      return c.slice(0, 7).join('\t');
    });
}
