// A second reporter for test/run.mjs: one line per test file with the summed duration of its
// top-level tests, the first and last moment one of them ended (seconds since the run began),
// so the runner can name the files that hold the suite up.
const began = Date.now();

export default async function* fileTimes(source) {
  const files = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
    const file = event.data.file ?? '(unknown)';
    const entry = files.get(file) ?? { ms: 0, tests: 0, last: 0 };
    entry.ms += event.data.details.duration_ms;
    entry.tests += 1;
    entry.last = (Date.now() - began) / 1000;
    files.set(file, entry);
  }
  for (const [file, { ms, tests, last }] of files) yield `${JSON.stringify({ file, ms, tests, last })}\n`;
}
