#!/usr/bin/env node
// The msispec command: registers the TypeScript loader, then runs cli/main.ts.
import { register } from 'tsx/esm/api';

// A reader that stops early (`msispec check | head`) is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
