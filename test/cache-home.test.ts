// Where the caches every clone shares live: the XDG base directory rule, with our own override.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheHome } from '../onix/cache-home.ts';

describe('cacheHome', () => {
  it('is ~/.cache/onix-os by default', () => {
    assert.equal(cacheHome({}, '/home/ada'), '/home/ada/.cache/onix-os');
  });
  it('follows an absolute XDG_CACHE_HOME, and ignores a relative one as the XDG rule says', () => {
    assert.equal(cacheHome({ XDG_CACHE_HOME: '/var/cache/ada' }, '/home/ada'), '/var/cache/ada/onix-os');
    assert.equal(cacheHome({ XDG_CACHE_HOME: 'cache' }, '/home/ada'), '/home/ada/.cache/onix-os');
  });
  it('is ONIX_CACHE_HOME when set, made absolute', () => {
    assert.equal(cacheHome({ ONIX_CACHE_HOME: '/srv/onix', XDG_CACHE_HOME: '/x' }, '/home/ada'), '/srv/onix');
    assert.equal(cacheHome({ ONIX_CACHE_HOME: 'rel' }, '/h'), `${process.cwd()}/rel`);
  });
});
