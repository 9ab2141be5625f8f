// The VM kernel's configuration and naming (onix/image/recipes/kernel-config.ts, kernel-build.ts),
// without compiling: the compiled kernel is checked where it runs (boot.slow.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelSourceOf, vmKernelRelease } from '../../onix/image/kernel-build.ts';
import { missingOptions, VM_KERNEL_OPTIONS, vmKernelFragment } from '../../onix/image/recipes/kernel-config.ts';

test("the release is the source's upstream version and the configuration's LOCALVERSION", () => {
  assert.deepEqual(kernelSourceOf('/cache/debs/linux-source-6.1_6.1.176-1_all.deb'), { series: '6.1', upstream: '6.1.176', debianVersion: '6.1.176-1' });
  assert.equal(vmKernelRelease('linux-source-6.1_6.1.176-1_all.deb'), '6.1.176-onix-vm');
  assert.throws(() => kernelSourceOf('linux-image-6.1.0-50-amd64_6.1.176-1_amd64.deb'), /not Debian's kernel source package/);
});

test('every option has a value Kconfig writes back as given, and a reason', () => {
  for (const [name, o] of Object.entries(VM_KERNEL_OPTIONS)) {
    assert.match(name, /^CONFIG_[A-Z0-9_]+$/);
    assert.match(o.value, /^(y|m|\d+|"[^"]*")$/, name);
    assert.ok(o.why.length > 3, name);
  }
  assert.equal(vmKernelFragment().split('\n').filter(Boolean).length, Object.keys(VM_KERNEL_OPTIONS).length);
});

test('a .config that lost options names exactly those', () => {
  const all = vmKernelFragment();
  assert.deepEqual(missingOptions(`# header\n${all}`), []);
  const lost = all.replace('CONFIG_VIRTIO_BLK=y\n', '# CONFIG_VIRTIO_BLK is not set\n').replace('CONFIG_VIRTIO_NET=m\n', 'CONFIG_VIRTIO_NET=y\n');
  assert.deepEqual(missingOptions(lost), ['CONFIG_VIRTIO_BLK=y', 'CONFIG_VIRTIO_NET=m']);
});
