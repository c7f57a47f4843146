// Preloaded into a child `node` (node -r this-file …) by test/helpers/builtCli.ts:
// on exit, writes the process's peak resident set size (getrusage ru_maxrss, in
// bytes) to the file named by LAYERSCOPE_TEST_RSS_FILE. Test-only: the command
// itself knows nothing of it.
const { writeFileSync } = require('node:fs');
const out = process.env.LAYERSCOPE_TEST_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
