#!/usr/bin/env node
// `npm run vm`: onix/vm.ts from its cached bundle (generator/bin/cached-bundle.js says why).
'use strict';

require('../../generator/bin/cached-bundle.js').runCached('vm', 'onix/vm.ts', 'onix/bin/vm.js');
