/** layerscope's version, from package.json (bundled at build time), so a published package cannot report another. */
import { version } from '../../package.json';

export const VERSION: string = version;
