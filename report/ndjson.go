package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/minik6/minik6/metrics"
)

// jsonLine is one line of k6's NDJSON output (--out json): a metric's
// description or a sample.
type jsonLine struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   struct {
		Name       string             `json:"name"`
		Type       metrics.MetricType `json:"type"`
		Contains   metrics.ValueType  `json:"contains"`
		Thresholds []string           `json:"thresholds"`
		Time       time.Time          `json:"time"`
		Value      *float64           `json:"value"`
		Tags       map[string]string  `json:"tags"`
	} `json:"data"`
}

// FromJSON reads a run from a --out json file (gzip-compressed or not): it
// replays the samples into a metrics engine, with the metrics' own
// thresholds, and into a recorder with periods of the given length (0: a
// whole number of seconds that gives at most 120 points), in memory that
// does not grow with the number of samples. The error names the line that
// does not read.
func FromJSON(r io.Reader, title string, period time.Duration) (Run, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Run{}, err
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	reg := metrics.NewRegistry()
	thresholds := map[string][]metrics.ThresholdConfig{}
	var engine *metrics.Engine
	var rec *Recorder
	var start, end time.Time
	batch := make([]metrics.Sample, 0, 4096)
	flush := func() {
		engine.AddSamples(batch)
		rec.Add(batch)
		batch = batch[:0]
	}
	tagSets := map[string]*metrics.TagSet{}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l jsonLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return Run{}, fmt.Errorf("line %d: %w", n, err)
		}
		switch l.Type {
		case "Metric":
			if reg.Get(l.Data.Name) != nil {
				continue
			}
			if _, err := reg.NewMetric(l.Data.Name, l.Data.Type, l.Data.Contains); err != nil {
				return Run{}, fmt.Errorf("line %d: %w", n, err)
			}
			for _, t := range l.Data.Thresholds {
				thresholds[l.Data.Name] = append(thresholds[l.Data.Name], metrics.ThresholdConfig{Source: t})
			}
		case "Point":
			m := reg.Get(l.Metric)
			if m == nil || l.Data.Value == nil {
				return Run{}, fmt.Errorf("line %d: a sample of %q before its metric's description", n, l.Metric)
			}
			if engine == nil {
				var err error
				if engine, err = metrics.NewEngine(reg, nil); err != nil {
					return Run{}, err
				}
				start, end = l.Data.Time, l.Data.Time
				rec = NewRecorder(start, jsonPeriod)
			}
			if l.Data.Time.After(end) {
				end = l.Data.Time
			}
			key := fmt.Sprint(l.Data.Tags) // maps print sorted: one set per distinct tags
			tags := tagSets[key]
			if tags == nil {
				tags = metrics.NewTagSet(l.Data.Tags)
				tagSets[key] = tags
			}
			batch = append(batch, metrics.Sample{Metric: m, Tags: tags, Time: l.Data.Time, Value: *l.Data.Value})
			if len(batch) == cap(batch) {
				flush()
			}
		default:
			return Run{}, fmt.Errorf("line %d: type %q is not Metric or Point: not a --out json file", n, l.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return Run{}, err
	}
	if engine == nil {
		return Run{}, fmt.Errorf("no samples: not a --out json file of a run")
	}
	flush()
	// Metrics are described as they first appear, thresholds with them: the
	// thresholds join the results once all are known.
	engine.SetTestRunDuration(end.Sub(start))
	state := engine.State()
	for name, list := range thresholds {
		for _, t := range list {
			state.Thresholds = append(state.Thresholds, metrics.StateThreshold{Metric: name, Threshold: t.Source})
		}
	}
	engine, err := metrics.MergeStates(state)
	if err != nil {
		return Run{}, err
	}
	_ = engine.FinalizeThresholds(end.Sub(start)) // the outcome is in the results
	sum, err := engine.Summary(SummaryOptions)
	if err != nil {
		return Run{}, err
	}
	if period > jsonPeriod {
		rec.coarsen(int(period / jsonPeriod))
	} else if n := len(rec.buckets); period <= 0 && n > maxPoints {
		rec.coarsen((n + maxPoints - 1) / maxPoints)
	}
	return Run{Title: title, Started: start, Summary: sum, Thresholds: engine.ThresholdResults(), Series: rec.Series()}, nil
}

// A --out json file is replayed in periods of jsonPeriod, joined afterwards
// to the period asked for, or to at most maxPoints points.
const (
	jsonPeriod = time.Second
	maxPoints  = 120
)

// FromState reads a run from a summary state (--summary-state): its numbers,
// thresholds and checks, without charts, which a state has no data for.
func FromState(s *metrics.State, title string) (Run, error) {
	engine, err := metrics.MergeStates(s)
	if err != nil {
		return Run{}, err
	}
	_ = engine.FinalizeThresholds(engine.TestRunDuration())
	sum, err := engine.Summary(SummaryOptions)
	if err != nil {
		return Run{}, err
	}
	return Run{Title: title, Summary: sum, Thresholds: engine.ThresholdResults()}, nil
}
