// Gives every iteration of the test its own item of a data set:
// exec.scenario.iterationInTest is unique across the whole test (even when it is
// split over several instances), so it can index the data directly, and
// `iterations: data.length` uses every item exactly once.
//
// The docs hold the data in a SharedArray from k6/data, which minik6 does not
// have yet; here it is a plain array built in the init context (each VU builds
// its own copy, which is fine for small data).
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers).
import http from 'k6/http';
import exec from 'k6/execution';

const data = [];
for (let i = 0; i < 20; i++) {
  data.push({ id: i, product: `product-${i}` });
}

export const options = {
  scenarios: {
    'use-all-the-data': {
      executor: 'shared-iterations',
      vus: 5,
      iterations: data.length,
      maxDuration: '10s',
    },
  },
};

export default function () {
  // this is unique even in a distributed run
  const item = data[exec.scenario.iterationInTest];
  http.post(`${__ENV.BASE_URL}/anything?endpoint=amazing`, JSON.stringify(item));
  console.log(`iteration ${exec.scenario.iterationInTest} used ${item.product}`);
}
