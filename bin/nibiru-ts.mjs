#!/usr/bin/env -S node --import tsx
// `npx nibiru-ts <stage> <app> [options]`: bin/stage.ts with no `--` to forget. The flag in the
// first line loads TypeScript here, and is in `process.execArgv` for the workers to inherit.
import { run } from './stage.ts';

void run(process.argv.slice(2));
