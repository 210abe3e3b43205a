// Aborts the test from the init context: exec.test.abort() with no reason stops
// the run before anything else happens, so setup(), default and teardown() never
// run, and the process exits with code 108.
import exec from 'k6/execution';

exec.test.abort();

export function setup() {
  console.log('setup never runs');
}

export default function () {
  console.log('default never runs');
}

export function teardown() {
  console.log('teardown never runs');
}
