// Reads the consolidated test options: an option that was never set reads as null
// (paused), and the stages shortcut shows up as the ramping-vus scenario
// "default", so its first stage's target is 100.
//
// The docs' stages last 5s each; here they last 1s to keep the example quick. The
// options are the same for every VU, so only the test's first iteration prints
// them, and each iteration sleeps so that 100 VUs don't flood the console.
import exec from 'k6/execution';
import { sleep } from 'k6';

export const options = {
  stages: [
    { duration: '1s', target: 100 },
    { duration: '1s', target: 50 },
  ],
};

export default function () {
  if (exec.scenario.iterationInTest === 0) {
    console.log(exec.test.options.paused); // null
    console.log(exec.test.options.scenarios.default.stages[0].target); // 100
  }
  sleep(0.5);
}
