// Reads vitest's JSON report, prints each failure plainly, and ends with "N passed, N failed".
// A test file that failed to load counts as one failure, so a broken file cannot pass silently.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('\nNo test report was written: the test run did not complete.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
let passed = 0;
let failed = 0;
const failures = [];
for (const suite of report.testResults ?? []) {
  const name = relative(process.cwd(), suite.name);
  const results = suite.assertionResults ?? [];
  for (const test of results) {
    if (test.status === 'passed') passed++;
    else if (test.status === 'failed') {
      failed++;
      failures.push(
        `FAIL ${name} > ${test.fullName}\n${(test.failureMessages ?? []).join('\n').split('\n').slice(0, 12).join('\n')}`,
      );
    }
  }
  if (suite.status === 'failed' && !results.some((t) => t.status === 'failed')) {
    failed++;
    failures.push(
      `FAIL ${name} (the file failed to run)\n${(suite.message ?? '').split('\n').slice(0, 12).join('\n')}`,
    );
  }
}
if (failures.length > 0) {
  console.log(`\n${failures.length} failure(s):\n`);
  console.log(failures.join('\n\n'));
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
