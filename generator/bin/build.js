#!/usr/bin/env node
// `npm run build`: generator/cli/build.ts from its cached bundle (see cached-bundle.js for why).
'use strict';

require('./cached-bundle.js').runCached('build', 'generator/cli/build.ts', 'generator/bin/build.js');
