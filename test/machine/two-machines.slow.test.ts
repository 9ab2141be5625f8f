// Two machines of one target run at once without sharing state.
import { testImage } from '../../onix/image/provider.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMachine } from '../../onix/machine/targets.ts';

for (const target of ['sandbox', 'vm']) {
  test(`two ${target} machines at once share nothing`, { timeout: 900_000 }, async () => {
    const a = createMachine(target, { image: testImage });
    const b = createMachine(target, { image: testImage });
    try {
      await Promise.all([a.boot(), b.boot()]);
      const sa = await a.session();
      const sb = await b.session();
      await sa.run('echo from-a > /root/which; mkdir -p /run/onix-two && echo a > /run/onix-two/x');
      await sb.run('echo from-b > /root/which');
      await Promise.all([a.snapshot('same-name'), b.snapshot('same-name')]);
      const sa2 = await a.session();
      await sa2.run('echo changed > /root/which');
      await b.restore('same-name');
      const sb2 = await b.session();
      assert.equal((await sb2.run('cat /root/which; ls /run/onix-two 2>/dev/null || echo no-run')).stdout, 'from-b\nno-run\n');
      assert.equal((await sa2.run('cat /root/which')).stdout, 'changed\n', "b's restore did not touch a");
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });
}
