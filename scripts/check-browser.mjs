// Fails loudly (never skips) when no Chromium can run the end-to-end tests.
import { findChromium } from './browser.mjs';

const path = findChromium();
if (!path) {
  console.error(
    'No Chromium for the end-to-end tests.\n' +
      '  Debian/Ubuntu:  sudo apt-get install -y chromium   (gives /usr/bin/chromium)\n' +
      '  elsewhere:      npx playwright install chromium\n' +
      '  or point LAYERSCOPE_CHROMIUM at a Chromium/Chrome binary.',
  );
  process.exit(1);
}
console.log(`e2e browser: ${path}`);
