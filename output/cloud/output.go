// Package cloud is the cloud output (--out cloud): it creates a test run in the
// k6 cloud, aggregates the samples per period and time series, pushes them as
// the protobuf MetricSets of the metrics ingest, and tells the cloud how the
// run ended (cloud-protocol §4, §6). Unlike k6, a push that fails is not
// dropped: it is kept, within a memory cap, and sent again with the next
// flush, and the run says at the end how many samples never arrived.
package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/cloud"
	"github.com/minik6/minik6/cloud/metricspb"
	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/segment"
)

// Name is the output's --out name.
const Name = "cloud"

// The system tags the cloud needs on every sample.
var neededSystemTags = []string{"status", "method", "name", "group", "check", "error"}

func init() { output.Register(Name, New) }

// The bounds of the end of a run: how long Stop waits for a running flush,
// and for the last one.
const (
	flushWaitAtEnd = 15 * time.Second
	lastFlushLimit = 15 * time.Second
)

// maxUndelivered caps the bytes of pushes kept for another try after they
// failed; past it the oldest are given up (and counted as not delivered).
const maxUndelivered = 64 << 20

// Output is the cloud output.
type Output struct {
	cfg     cloud.Config
	logger  logrus.FieldLogger
	version string
	attach  bool // attach the archive to the created test run
	sysTags []string
	test    *load.Test
	stop    func(error)
	client  *cloud.Client

	refID  string
	create bool // create the test run at start
	finish bool // send test-finished at the end

	mu  sync.Mutex // guards agg
	agg *aggregator

	pushMu      sync.Mutex // one flush at a time
	retry       []*push    // pushes that failed, oldest first
	retryBytes  int
	undelivered uint64 // samples given up
	halted      bool   // the cloud said to stop sending (403, code 4)

	thresholds map[string][]metrics.ThresholdResult
	status     output.RunStatus
	batchDone  func([]metrics.Sample)

	done    chan struct{}
	flusher sync.WaitGroup
	warned  sync.Map // reserved tag names already reported
}

// push is an encoded MetricSet and what it carries.
type push struct {
	body    []byte
	samples uint64
	key     string // the idempotency key, the same on every try
}

var (
	_ metrics.Output            = (*Output)(nil)
	_ output.TestReceiver       = (*Output)(nil)
	_ output.RunStopper         = (*Output)(nil)
	_ output.ThresholdsReceiver = (*Output)(nil)
	_ output.RunStatusReceiver  = (*Output)(nil)
	_ output.BatchRecycler      = (*Output)(nil)
)

// New builds the cloud output from the config file's collectors.cloud, the
// script's options.cloud (or the legacy ext.loadimpact), the K6_CLOUD_*
// variables and the --out argument (the test name, deprecated), in k6's order.
func New(arg string, p output.Params) (metrics.Output, error) {
	cfg, warning, err := cloud.GetConsolidatedConfig(p.Collectors[Name], p.Env, arg, p.Cloud, p.Ext)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.InvalidConfig, "could not create the 'cloud' output: %v", err)
	}
	logger := p.Logger
	if logger == nil {
		logger = logrus.StandardLogger()
	}
	logger = logger.WithField("output", Name)
	if warning != "" {
		logger.Warn(warning)
	}
	if err := cfg.Validate(); err != nil {
		return nil, exitcode.Errorf(exitcode.GenericEngineError, "could not create the 'cloud' output: %v", err)
	}
	return &Output{
		cfg: cfg, logger: logger, version: p.Version, attach: p.AttachArchive, sysTags: p.SystemTags,
		done: make(chan struct{}),
	}, nil
}

// SetTest gives the output the loaded test: its options, its name, its env.
func (o *Output) SetTest(t *load.Test) { o.test = t }

// SetRunStopper gives the output the way to stop the run (stopOnError).
func (o *Output) SetRunStopper(stop func(error)) { o.stop = stop }

// SetThresholdResults keeps the final threshold results for test-finished.
func (o *Output) SetThresholdResults(r map[string][]metrics.ThresholdResult) { o.thresholds = r }

// SetRunStatus keeps how the run ended for test-finished.
func (o *Output) SetRunStatus(s output.RunStatus, _ error) { o.status = s }

// SetBatchDone: the output reads a batch only inside AddSamples.
func (o *Output) SetBatchDone(done func([]metrics.Sample)) { o.batchDone = done }

// Description names the output and, once the test run exists, its results.
func (o *Output) Description() string {
	if o.refID == "" || !o.create {
		return Name
	}
	return fmt.Sprintf("%s (%s)", Name, cloud.URLForResults(o.refID, o.cfg))
}

// Start checks what the cloud needs, creates the test run (unless the
// reference ID is given) and starts pushing.
func (o *Output) Start() error {
	if o.test == nil {
		return errors.New("the cloud output was not given the test")
	}
	fail := func(format string, args ...any) error {
		return exitcode.Errorf(exitcode.GenericEngineError, "could not create the 'cloud' output: "+format, args...)
	}
	if missing := o.missingSystemTags(); len(missing) > 0 {
		return fail("the cloud output needs the following system tags enabled: %s", strings.Join(neededSystemTags, ", "))
	}
	tuple, err := segment.NewTuple(o.test.Options.ExecutionSegment, o.test.Options.ExecutionSegmentSequence)
	if err != nil {
		return fail("%v", err)
	}
	req, err := runner.ExecutionRequirements(o.test.Options, tuple)
	if err != nil {
		return fail("%v", err)
	}
	if req.TotalDuration <= 0 {
		return exitcode.Errorf(exitcode.GenericEngineError, "tests with unspecified duration are not allowed when outputting data to k6 cloud")
	}
	o.client = cloud.NewClient(o.logger, o.cfg.Token.String, o.cfg.Host.String, o.version, o.cfg.Timeout.ValueOr(time.Minute))
	if o.cfg.StackID.Int64 != 0 {
		o.client.SetStackID(o.cfg.StackID.Int64)
	}

	switch {
	case o.cfg.PushRefID.String != "":
		o.refID = o.cfg.PushRefID.String
	case o.test.Env["K6_CLOUDRUN_TEST_RUN_ID"] != "":
		o.refID, o.finish = o.test.Env["K6_CLOUDRUN_TEST_RUN_ID"], true
	default:
		o.create, o.finish = true, true
		if err := o.createTestRun(req); err != nil {
			return err
		}
	}
	period := o.cfg.AggregationPeriod.ValueOr(3 * time.Second)
	o.agg = newAggregator(period, o.warnReservedTag)
	o.flusher.Add(1)
	go o.flushPeriodically()
	return nil
}

func (o *Output) missingSystemTags() []string {
	var missing []string
	for _, t := range neededSystemTags {
		if !slices.Contains(o.sysTags, t) {
			missing = append(missing, t)
		}
	}
	return missing
}

// createTestRun creates the test run and takes the server's config override.
func (o *Output) createTestRun(req runner.Requirements) error {
	thresholds := map[string][]string{}
	for selector, list := range o.test.Options.Thresholds {
		for _, th := range list {
			thresholds[selector] = append(thresholds[selector], th.Source)
		}
	}
	project, err := o.cfg.Project(o.logger)
	if err != nil {
		return exitcode.Wrap(exitcode.GenericEngineError, err)
	}
	run := &cloud.TestRun{
		Name:       o.testName(),
		ProjectID:  project,
		VUsMax:     req.MaxVUs,
		Thresholds: thresholds,
		Duration:   int64(req.TotalDuration / time.Second),
	}
	if o.attach {
		arc, err := o.test.Archive(o.version)
		if err != nil {
			return exitcode.Wrap(exitcode.GenericEngineError, err)
		}
		run.Archive = arc
	}
	resp, err := o.client.CreateTestRun(run)
	if err != nil {
		return exitcode.Wrap(exitcode.GenericEngineError, err)
	}
	o.refID = resp.ReferenceID
	if resp.ConfigOverride != nil {
		o.cfg = o.cfg.Apply(*resp.ConfigOverride)
		if err := o.cfg.Validate(); err != nil {
			return exitcode.Errorf(exitcode.GenericEngineError, "failed to initialize the samples collector: %v", err)
		}
	}
	return nil
}

// testName is the configured name, or the script's file name ("-", the
// standard input, is "k6 test").
func (o *Output) testName() string {
	name := o.cfg.Name.String
	if name == "" {
		name = path.Base(o.test.Entry)
	}
	if name == "-" {
		name = "k6 test"
	}
	return name
}

func (o *Output) warnReservedTag(name string) {
	if _, seen := o.warned.LoadOrStore(name, true); !seen {
		o.logger.Warnf("Tag %s has been discarded since it is reserved for Cloud operations.", name)
	}
}

// AddSamples aggregates a batch.
func (o *Output) AddSamples(batch []metrics.Sample) {
	o.mu.Lock()
	o.agg.add(batch)
	o.mu.Unlock()
	if o.batchDone != nil {
		o.batchDone(batch)
	}
}

// flushPeriodically pushes, every metricPushInterval, the periods that are
// older than the aggregation wait period.
func (o *Output) flushPeriodically() {
	defer o.flusher.Done()
	t := time.NewTicker(o.cfg.MetricPushInterval.ValueOr(time.Second))
	defer t.Stop()
	period := o.cfg.AggregationPeriod.ValueOr(3 * time.Second)
	wait := o.cfg.AggregationWaitPeriod.ValueOr(8 * time.Second)
	for {
		select {
		case <-o.done:
			return
		case now := <-t.C:
			upTo := now.Add(-wait).UnixNano() / int64(period)
			o.mu.Lock()
			buckets := o.agg.collect(upTo)
			o.mu.Unlock()
			o.flush(context.Background(), buckets)
		}
	}
}

// flush pushes the buckets, after the pushes that failed before.
func (o *Output) flush(ctx context.Context, buckets []*bucket) {
	o.pushMu.Lock()
	defer o.pushMu.Unlock()
	if o.halted {
		o.giveUp(buckets)
		return
	}
	period := o.cfg.AggregationPeriod.ValueOr(3 * time.Second)
	maxSeries := int(o.cfg.MaxTimeSeriesInBatch.ValueOrZero())
	if maxSeries <= 0 {
		maxSeries = 1000
	}
	pushes := o.retry
	o.retry, o.retryBytes = nil, 0
	for _, m := range messages(o.refID, period, buckets, maxSeries) {
		body, err := metricspb.Encode(m.set)
		if err != nil {
			o.logger.WithError(err).Error("Failed to encode metrics for the cloud")
			o.undelivered += m.samples
			continue
		}
		pushes = append(pushes, &push{body: body, samples: m.samples, key: cloud.NewIdempotencyKey()})
	}
	o.send(ctx, pushes)
}

// send pushes up to metricPushConcurrency at a time; after the first failure
// the rest wait for the next flush.
func (o *Output) send(ctx context.Context, pushes []*push) {
	concurrency := int(o.cfg.MetricPushConcurrency.ValueOrZero())
	if concurrency < 1 {
		concurrency = 1
	}
	var failed []*push
	for len(pushes) > 0 {
		n := min(concurrency, len(pushes))
		round := pushes[:n]
		pushes = pushes[n:]
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, p := range round {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = o.pushOne(ctx, p) }()
		}
		wg.Wait()
		var firstErr error
		for i, err := range errs {
			if err != nil {
				failed = append(failed, round[i])
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		if firstErr != nil {
			failed = append(failed, pushes...)
			o.pushFailed(firstErr, failed)
			return
		}
	}
}

// pushOne sends one MetricSet to the ingest.
func (o *Output) pushOne(ctx context.Context, p *push) error {
	url := strings.TrimSuffix(o.cfg.Host.String, "/") + "/v2/metrics/" + o.refID
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", metricspb.ContentType)
	req.Header.Set("Content-Encoding", metricspb.ContentEncoding)
	req.Header.Set(metricspb.ProtocolVersionHeader, metricspb.ProtocolVersion)
	req.Header.Set(cloud.IdempotencyKeyHeader, p.key)
	return o.client.Do(req, nil)
}

// pushFailed handles a failed flush: the cloud refusing more metrics (403 with
// code 4) halts pushing, and with stopOnError the run; any other failure keeps
// the pushes for the next flush, within maxUndelivered.
func (o *Output) pushFailed(err error, failed []*push) {
	var re cloud.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden && re.Code == 4 {
		o.logger.WithError(err).Warn("Interrupt sending metrics to cloud due to an error")
		o.halted = true
		for _, p := range failed {
			o.undelivered += p.samples
		}
		if o.cfg.StopOnError.Bool && o.stop != nil {
			o.stop(exitcode.Errorf(exitcode.ExternalAbort, "the cloud output stopped the test: %v", err))
		}
		return
	}
	o.logger.WithError(err).Error("Failed to push metrics to the cloud; they will be sent again")
	for _, p := range failed {
		o.keep(p)
	}
}

// keep queues a failed push for the next flush, giving up the oldest ones
// beyond maxUndelivered.
func (o *Output) keep(p *push) {
	o.retry = append(o.retry, p)
	o.retryBytes += len(p.body)
	for o.retryBytes > maxUndelivered && len(o.retry) > 1 {
		old := o.retry[0]
		o.retry = o.retry[1:]
		o.retryBytes -= len(old.body)
		o.undelivered += old.samples
	}
}

// giveUp counts the samples of buckets that will not be sent.
func (o *Output) giveUp(buckets []*bucket) {
	for _, b := range buckets {
		for _, agg := range b.values {
			o.undelivered += agg.samples
		}
	}
}

// Stop pushes everything left, the open period too, and tells the cloud the
// run finished, with its thresholds and run status.
func (o *Output) Stop() error {
	if o.agg == nil {
		return nil
	}
	close(o.done)
	waited := make(chan struct{})
	go func() { o.flusher.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(flushWaitAtEnd):
		o.logger.Warn("a metrics push to the cloud is still running; sending the last metrics anyway")
	}
	ctx, cancel := context.WithTimeout(context.Background(), lastFlushLimit)
	defer cancel()
	o.mu.Lock()
	buckets := o.agg.collectAll()
	o.mu.Unlock()
	o.flush(ctx, buckets)

	o.pushMu.Lock()
	for _, p := range o.retry {
		o.undelivered += p.samples
	}
	o.retry = nil
	undelivered := o.undelivered
	o.pushMu.Unlock()
	if undelivered > 0 {
		o.logger.Errorf("%d samples could not be delivered to the cloud", undelivered)
	}

	if !o.finish {
		return nil
	}
	results := cloud.ThresholdResult{}
	tainted := false
	for name, list := range o.thresholds {
		results[name] = map[string]bool{}
		for _, r := range list {
			results[name][r.Source] = !r.OK
			tainted = tainted || !r.OK
		}
	}
	if err := o.client.TestFinished(o.refID, results, tainted, cloud.RunStatus(o.status)); err != nil {
		o.logger.WithError(err).Warn("Failed to send test finished to the cloud")
	}
	return nil
}
