// Package cloud talks to the k6 Cloud through its legacy REST API ("v1"), the
// API that `k6 cloud run`, `k6 cloud upload`, `k6 login cloud` and the cloud
// output (`k6 run --out cloud`) use.
//
// It holds three things:
//
//   - [Client], the HTTP client: it adds k6's headers to every request, retries
//     failed requests the way k6 does (3 attempts, 500 ms apart, on transport
//     errors, 5xx and 429) and turns error responses into [ResponseError]s,
//     with one method per endpoint (create, finish, upload, progress, stop,
//     validate, login);
//   - [Config], the cloud settings, consolidated by [GetConsolidatedConfig] from
//     the defaults, the config file, the script's options.cloud (or the legacy
//     options.ext.loadimpact), the K6_CLOUD_* environment and the --out cloud
//     argument;
//   - the request and response types of the API ([TestRun],
//     [CreateTestRunResponse], [TestProgressResponse], …).
//
// The API token is sent only in the Authorization header (and in the body of
// the validate-token call, which exists to check it); nothing in this package
// logs it or puts it in an error.
package cloud
