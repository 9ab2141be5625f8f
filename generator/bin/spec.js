#!/usr/bin/env node
// `npm run spec`: generator/cli/spec.ts from its cached bundle (see cached-bundle.js for why).
'use strict';

require('./cached-bundle.js').runCached('spec', 'generator/cli/spec.ts', 'generator/bin/spec.js');
