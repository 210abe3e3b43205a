// One default function serves two scenarios and branches on exec.scenario.name:
// "the-first" sends GET requests, "the-second" (starting half a second later)
// sends POST requests.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers).
import http from 'k6/http';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    'the-first': {
      executor: 'shared-iterations',
      vus: 2,
      iterations: 4,
      maxDuration: '10s',
    },
    'the-second': {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 3,
      startTime: '500ms',
    },
  },
};

export default function () {
  if (exec.scenario.name === 'the-first') {
    // only the first scenario's logic
    http.get(`${__ENV.BASE_URL}/first`);
    console.log(`the-first: GET, iteration ${exec.scenario.iterationInTest}`);
  } else {
    // every other scenario's logic
    http.post(`${__ENV.BASE_URL}/second`, JSON.stringify({ iteration: exec.scenario.iterationInTest }));
    console.log(`${exec.scenario.name}: POST, iteration ${exec.scenario.iterationInTest}`);
  }
}
