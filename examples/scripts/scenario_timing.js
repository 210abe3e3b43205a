// Times steps of an iteration against the moment its scenario started:
// exec.scenario.startTime is a Unix time in milliseconds, so subtracting it from
// the current Date gives the milliseconds the scenario has run so far.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers).
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';

export default function () {
  http.get(`${__ENV.BASE_URL}/`);
  console.log(`step1: scenario ran for ${new Date() - new Date(exec.scenario.startTime)}ms`);

  sleep(0.2);

  http.get(`${__ENV.BASE_URL}/`);
  console.log(`step2: scenario ran for ${new Date() - new Date(exec.scenario.startTime)}ms`);
}
