// Uses the k6/x/kv extension: a key-value store that every VU of the run shares.
// setup() stores a greeting, 4 VUs run 5 iterations each and count hits overall
// and per VU, and teardown() prints the totals. Needs the custom binary:
//
//   go build -o minik6-kv ./examples/extension/cmd/minik6-kv
//   ./minik6-kv run examples/extension/example.js
import kv from 'k6/x/kv';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    count: { executor: 'per-vu-iterations', vus: 4, iterations: 5 },
  },
};

export function setup() {
  kv.set('greeting', { text: 'hello from setup' });
}

export default function () {
  kv.incr('hits');
  kv.incr(`hits-of-vu-${exec.vu.idInTest}`);
}

export function teardown() {
  const perVU = kv.keys().filter((k) => k.startsWith('hits-of-vu-'));
  const sum = perVU.reduce((total, k) => total + kv.get(k), 0);
  console.log(`greeting: ${kv.get('greeting').text} (written by VU ${kv.writer('greeting')})`);
  console.log(`hits: ${kv.get('hits')}`);
  console.log(`hits summed over ${perVU.length} VUs: ${sum}`);
  console.log(`hits of VU 1: ${kv.get('hits-of-vu-1')}`);
}
