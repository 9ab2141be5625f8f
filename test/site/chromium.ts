// Debian's Chromium (.ci/apt-packages.txt) for the browser tests, started the one way they all
// need: headless, --no-sandbox (Chromium will not start its sandbox as root, and tests may run
// as root), without the GPU or background requests.

import { type Browser, chromium } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
