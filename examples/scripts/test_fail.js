// Marks the test as failed without stopping it: exec.test.fail() in iteration 3
// records the failure, the other iterations still run (all 10 print their line),
// and the process exits with code 110 at the end.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers).
import http from 'k6/http';
import exec from 'k6/execution';

export const options = {
  iterations: 10,
};

export default function () {
  http.get(`${__ENV.BASE_URL}/`);

  if (exec.vu.iterationInInstance === 3) {
    exec.test.fail(`iteration ${exec.vu.iterationInInstance}: marked the test as failed`);
  }

  console.log(`iteration ${exec.vu.iterationInInstance} executed`);
}
