import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { DEFAULTS } from '../src/cli.ts';
import { ConnectionSet, connectionOptionsFromConfig } from '../src/serving.ts';

const ok: App = (_e, start) => (start('200 OK', []), ['ok']);
const config = { ...DEFAULTS, app: 'test', port: 0 };

describe('connectionOptionsFromConfig', () => {
  it('carries every limit and timeout of the configuration', () => {
    const o = connectionOptionsFromConfig({ ...config, maxHeaderCount: 7, keepAliveTimeoutMs: 9 }, 1234, true, ok);
    expect(o).toMatchObject({ app: ok, maxHeaderCount: 7, keepAliveTimeoutMs: 9, serverPort: 1234, multiprocess: true, serverName: '127.0.0.1' });
  });
});

describe('ConnectionSet', () => {
  it('an empty set shuts down after one turn of the event loop, with nothing cut off', async () => {
    await expect(new ConnectionSet().shutdown(10_000)).resolves.toEqual([]);
  });
});
