// Aborts the test from an iteration with a reason: the run stops (exit code 108,
// the reason is logged), yet teardown() still runs.
import exec from 'k6/execution';

export default function () {
  exec.test.abort('this is the reason');
  console.log('never printed: abort() ends the iteration at once');
}

export function teardown() {
  console.log('teardown will still be called after test.abort()');
}
