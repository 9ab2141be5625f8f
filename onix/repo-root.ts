// The repository's root folder, for the host-side tools that keep caches and read
// sources in it (the image builder, the machine cache). Never used inside the guest.
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
