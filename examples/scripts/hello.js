// The smallest useful test: a few VUs share iterations and read k6/execution.
import exec from 'k6/execution';
import { check, sleep } from 'k6';

export const options = {
  vus: 3,
  iterations: 9,
  thresholds: { checks: ['rate==1'] },
};

export default function () {
  console.log(`VU ${exec.vu.idInTest} runs iteration ${exec.scenario.iterationInTest} of scenario ${exec.scenario.name}`);
  check(exec.scenario.iterationInTest, { 'iteration numbers start at 0': (n) => n >= 0 });
  sleep(0.1);
}
