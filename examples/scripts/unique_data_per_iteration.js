// Gives every iteration of the test its own item of a data set:
// exec.scenario.iterationInTest is unique across the whole test (even when it is
// split over several instances), so it can index the data directly, and
// `iterations: data.length` uses every item exactly once.
//
// The data lives in a SharedArray (k6/data): built once, shared by every VU.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers).
import http from 'k6/http';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';

const data = new SharedArray('products', function () {
  const items = [];
  for (let i = 0; i < 20; i++) {
    items.push({ id: i, product: `product-${i}` });
  }
  return items;
});

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
