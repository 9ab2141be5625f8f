// Where the generated proof pages are published: the run that gated this build, and the
// machine it ran on. Spec pages link to both from their summary.

/** The run page (run-page.ts): commit, machine, every case, the report to download. */
export const RUN_PAGE_URL = '/spec/';
/** The test machine page (machine-page.ts), generated from the image's manifest. */
export const MACHINE_PAGE_URL = '/test-machine/';
