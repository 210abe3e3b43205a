// Tags every sample the VU emits from now on: values set in exec.vu.metrics.tags
// (numbers are stored as strings) are added to the metrics of both requests the
// batch sends, for example http_reqs{mytag:value1,mytag2:2}.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers). The log
// line shows the tags as the VU holds them.
import http from 'k6/http';
import exec from 'k6/execution';

export default function () {
  exec.vu.metrics.tags['mytag'] = 'value1';
  exec.vu.metrics.tags['mytag2'] = 2;

  // the metrics these HTTP requests emit will get tagged with `mytag` and `mytag2`:
  http.batch([`${__ENV.BASE_URL}/first`, `${__ENV.BASE_URL}/second`]);

  const tags = exec.vu.metrics.tags;
  console.log(`mytag=${tags['mytag']} mytag2=${JSON.stringify(tags['mytag2'])}`);
}
