// A test for k6-operator: each of the TestRun's runners runs its segment of
// it. Against a service inside the cluster; change TARGET to yours.
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  scenarios: {
    browse: { executor: 'ramping-vus', stages: [{ duration: '30s', target: 40 }, { duration: '1m', target: 40 }, { duration: '10s', target: 0 }] },
  },
  thresholds: {
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true }],
    http_req_duration: ['p(95)<300'],
  },
};

export default function () {
  const res = http.get(__ENV.TARGET || 'http://my-service.default.svc.cluster.local/');
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(1);
}
