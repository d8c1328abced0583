// A node:test reporter for the copy-out test: one line per top-level test, with the file it came
// from, so the test can tell which test files of a copy really ran (a count alone could hide a
// file that ran nothing while another ran more).
export default async function* testFiles(source) {
  for await (const event of source)
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0)
      yield `${JSON.stringify({ file: event.data.file, passed: event.type === 'test:pass', skipped: Boolean(event.data.skip) })}\n`;
}
