import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_NODE_FLAGS, withHostNodeFlags } from './host-node-flags';

describe('host node flags', () => {
  it('go before the entry script, once each', () => {
    expect(withHostNodeFlags(['--import', 'tsx', 'main.ts'])).toEqual([
      ...HOST_NODE_FLAGS,
      '--import',
      'tsx',
      'main.ts',
    ]);
    expect(withHostNodeFlags([...HOST_NODE_FLAGS, 'main.ts'])).toEqual([...HOST_NODE_FLAGS, 'main.ts']);
  });

  it('npm start runs the built host with the same flags', () => {
    const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const host = pkg.scripts.start.split('&&').at(-1)!.trim().split(/\s+/);
    expect(host[0]).toBe('node');
    const script = host.indexOf('bin/kreo.js');
    expect(host.slice(script)).toEqual(['bin/kreo.js', 'serve', '--open']);
    expect(host.slice(1, script).sort()).toEqual([...HOST_NODE_FLAGS].sort());
  });
});
