// Attaches metadata to the samples the VU emits: like tags, but meant for
// high-cardinality values such as trace ids, never usable in thresholds. The first
// batch's samples carry trace_id; after `delete`, the second batch's do not.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers). The log
// lines show the metadata each batch is sent with.
import http from 'k6/http';
import exec from 'k6/execution';

export default function () {
  exec.vu.metrics.metadata['trace_id'] = 'somecoolide';
  console.log(`first batch with metadata ${JSON.stringify(exec.vu.metrics.metadata)}`);

  // the metrics these HTTP requests emit will get the metadata `trace_id`:
  http.batch([`${__ENV.BASE_URL}/with-trace-1`, `${__ENV.BASE_URL}/with-trace-2`]);

  delete exec.vu.metrics.metadata['trace_id']; // this unsets it
  console.log(`second batch with metadata ${JSON.stringify(exec.vu.metrics.metadata)}`);

  // so the metrics of these requests have no trace_id:
  http.batch([`${__ENV.BASE_URL}/without-trace-1`, `${__ENV.BASE_URL}/without-trace-2`]);
}
