#!/usr/bin/env node
// `npm run publish`: generator/cli/publish.ts from its cached bundle (see cached-bundle.js for why).
'use strict';

require('./cached-bundle.js').runCached('publish', 'generator/cli/publish.ts', 'generator/bin/publish.js');
