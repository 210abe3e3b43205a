package metrics

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// caseBreakdown replays a run of this script, two iterations per scenario:
//
//	export const options = {
//	  scenarios: {
//	    default: { executor: 'shared-iterations', iterations: 2 },
//	    browse: { executor: 'shared-iterations', iterations: 2, exec: 'browse' },
//	    api: { executor: 'shared-iterations', iterations: 2, exec: 'api' },
//	  },
//	  thresholds: { http_req_duration: ['p(95)<500'] },
//	};
//	const waiting = new Trend('my_waiting', true);
//	export default function () {
//	  group('home', () => {
//	    check(http.get(BASE + '/'), { 'home ok': (r) => r.status === 200 });
//	    group('assets', () => {
//	      check(http.get(BASE + '/logo'), { 'logo ok': (r) => r.status === 200 });
//	    });
//	  });
//	}
//	export function browse() {
//	  group('catalog', () => {
//	    http.get(BASE + '/catalog');
//	    group('item', () => {
//	      check(http.get(BASE + '/item'), { 'item ok': (r) => r.status === 200 });
//	      group('reviews', () => {
//	        check(null, { 'has reviews': () => __ITER === 0 });
//	      });
//	    });
//	  });
//	}
//	export function api() {
//	  check(http.get(BASE + '/health'), { 'api up': (r) => r.status === 200 });
//	  group('auth', () => { waiting.add(12 + __ITER); });
//	}
func caseBreakdown(t *testing.T, opts ...EngineOption) *testRun {
	t.Helper()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_waiting", Trend, Time) },
		th("http_req_duration", []string{"p(95)<500"}),
		append([]EngineOption{WithSubMetrics(ExpectedResponseSubMetric)}, opts...)...)
	request := func(group, url string, ms float64) {
		kv := []string{TagGroup, group, "name", url, "url", url, "method", "GET", "status", "200",
			"expected_response", "true"}
		r.add(HTTPReqsName, 1, kv...)
		for _, m := range []string{HTTPReqBlockedName, HTTPReqConnectingName, HTTPReqTLSHandshakingName,
			HTTPReqSendingName, HTTPReqReceivingName} {
			r.add(m, ms/10, kv...)
		}
		r.add(HTTPReqWaitingName, ms*0.5, kv...)
		r.add(HTTPReqDurationName, ms, kv...)
		r.add(HTTPReqFailedName, 0, kv...)
	}
	iteration := func(ms, sent, received float64) {
		r.add(DataSentName, sent)
		r.add(DataReceivedName, received)
		r.add(IterationDurationName, ms)
		r.add(IterationsName, 1)
	}
	scenario := func(name string) { r.vu = NewTagSet(map[string]string{TagScenario: name, TagGroup: ""}) }
	for iter := range 2 {
		scenario("default")
		request("::home", "/", 10)
		r.check("::home", "home ok", true)
		request("::home::assets", "/logo", 4)
		r.check("::home::assets", "logo ok", true)
		r.add(GroupDurationName, 5, TagGroup, "::home::assets")
		r.add(GroupDurationName, 16, TagGroup, "::home")
		iteration(17, 200, 3000)

		scenario("browse")
		request("::catalog", "/catalog", 30)
		request("::catalog::item", "/item", 20)
		r.check("::catalog::item", "item ok", true)
		r.check("::catalog::item::reviews", "has reviews", iter == 0)
		r.add(GroupDurationName, 0.1, TagGroup, "::catalog::item::reviews")
		r.add(GroupDurationName, 21, TagGroup, "::catalog::item")
		r.add(GroupDurationName, 52, TagGroup, "::catalog")
		iteration(53, 200, 5000)

		scenario("api")
		request("", "/health", 2)
		r.check("", "api up", true)
		r.add("my_waiting", float64(12+iter), TagGroup, "::auth")
		r.add(GroupDurationName, 0.2, TagGroup, "::auth")
		iteration(3, 100, 400)
	}
	r.e.SetTestRunDuration(time.Second)
	require.NoError(t, r.e.FinalizeThresholds(time.Second))
	return r
}

func TestTextSummaryBreakdownGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		opts SummaryOptions
	}{
		{"summary_full_breakdown.golden", SummaryOptions{Mode: SummaryFull}},
		{"summary_full_breakdown_color.golden", SummaryOptions{Mode: SummaryFull, Color: true}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			require.NoError(t, caseBreakdown(t, WithBreakdown()).e.WriteTextSummary(&buf, tc.opts))
			golden(t, tc.file, buf.String())
		})
	}
}

func TestTextSummaryBreakdownOnlyInFullMode(t *testing.T) {
	t.Parallel()
	r := caseBreakdown(t, WithBreakdown())
	var compact, plain bytes.Buffer
	require.NoError(t, r.e.WriteTextSummary(&compact, SummaryOptions{}))
	assert.NotContains(t, compact.String(), "GROUP:", "groups are not broken out in compact mode")
	assert.NotContains(t, compact.String(), "SCENARIO:")

	// Without the option, full mode prints the total results only.
	require.NoError(t, caseBreakdown(t).e.WriteTextSummary(&plain, SummaryOptions{Mode: SummaryFull}))
	assert.NotContains(t, plain.String(), "GROUP:")
	var full bytes.Buffer
	require.NoError(t, r.e.WriteTextSummary(&full, SummaryOptions{Mode: SummaryFull}))
	assert.True(t, strings.HasPrefix(full.String(), plain.String()),
		"the breakdown comes after total results that are the same as without it")
}

// names lists the names of breakdowns.
func names(bs []*Breakdown) []string {
	out := []string{}
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return out
}

func metricNames(b *Breakdown) []string {
	out := []string{}
	for _, m := range b.Metrics {
		out = append(out, m.Name)
	}
	return out
}

func TestBreakdownRouting(t *testing.T) {
	t.Parallel()
	s := caseBreakdown(t, WithBreakdown()).summary(SummaryOptions{})

	require.Equal(t, []string{"home"}, names(s.Groups),
		"top-level groups come from the default scenario only")
	home := s.Groups[0]
	assert.Equal(t, "::home", home.Path)
	require.Equal(t, []string{"assets"}, names(home.Groups))
	assert.Equal(t, "::home::assets", home.Groups[0].Path)

	// A group counts its own samples, not those of its nested groups.
	assert.Equal(t, 2.0, home.Metric(HTTPReqsName).Values["count"])
	assert.Equal(t, 10.0, home.Metric(HTTPReqDurationName).Values["max"])
	assert.Equal(t, 4.0, home.Groups[0].Metric(HTTPReqDurationName).Values["max"])
	assert.Equal(t, []*CheckResult{{Name: "home ok", Passes: 2}}, home.Checks)
	assert.Nil(t, home.Metric(IterationsName), "iterations carry the root group")
	assert.Nil(t, home.Metric(HTTPReqDurationName+"{expected_response:true}"), "no sub-metrics")
	assert.Empty(t, home.Metric(HTTPReqDurationName).Thresholds, "no thresholds")

	require.Equal(t, []string{"api", "browse"}, names(s.Scenarios),
		"scenarios sorted by name, default left out")
	api, browse := s.Scenarios[0], s.Scenarios[1]
	assert.Equal(t, "", api.Path)
	// A scenario counts all its samples, in groups or not.
	assert.Equal(t, 4.0, browse.Metric(HTTPReqsName).Values["count"])
	assert.Equal(t, 2.0, browse.Metric(IterationsName).Values["count"])
	assert.Equal(t, 10000.0, browse.Metric(DataReceivedName).Values["count"])
	assert.Equal(t, []*CheckResult{{Name: "item ok", Passes: 2}, {Name: "has reviews", Passes: 1, Fails: 1}},
		browse.Checks)
	require.Equal(t, []string{"catalog"}, names(browse.Groups))
	catalog := browse.Groups[0]
	assert.Equal(t, []string{GroupDurationName, HTTPReqBlockedName, HTTPReqConnectingName, HTTPReqDurationName,
		HTTPReqFailedName, HTTPReqReceivingName, HTTPReqSendingName, HTTPReqTLSHandshakingName,
		HTTPReqWaitingName, HTTPReqsName}, metricNames(catalog))
	require.Equal(t, []string{"item"}, names(catalog.Groups))
	require.Equal(t, []string{"reviews"}, names(catalog.Groups[0].Groups))
	reviews := catalog.Groups[0].Groups[0]
	assert.Equal(t, "::catalog::item::reviews", reviews.Path)
	assert.Equal(t, []string{ChecksName, GroupDurationName}, metricNames(reviews))

	assert.Equal(t, 13.0, api.Metric("my_waiting").Values["max"], "custom metrics too")
	assert.Equal(t, []string{"auth"}, names(api.Groups))
	assert.Equal(t, []string{GroupDurationName, "my_waiting"}, metricNames(api.Groups[0]))
	assert.Zero(t, s.BreakdownDropped)
}

func TestBreakdownRules(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_c", Counter) }, nil, WithBreakdown())
	r.vu = NewTagSet(nil) // setup and teardown samples carry no scenario
	r.add("my_c", 1, TagGroup, "::setup")
	r.add("my_c", 1, TagGroup, "::teardown")
	r.add("my_c", 1, TagGroup, "::setup::inner") // only the setup group itself is skipped
	r.add("my_c", 1)                             // no tags at all
	r.vu = NewTagSet(map[string]string{TagScenario: "default", TagGroup: ""})
	r.add("my_c", 1, TagGroup, "::z")
	r.add("my_c", 1, TagGroup, "::a::b") // a is created as b's parent, after z
	r.add("my_c", 1, TagGroup, "::a")
	r.add("my_c", 1, TagGroup, "plain") // not a k6 path: a top-level group of that name
	for _, sc := range []string{"b-2", "B_1", "a", "b-1", "10", "9"} {
		r.add("my_c", 1, TagScenario, sc)
	}
	s := r.summary(SummaryOptions{})
	assert.Equal(t, []string{"setup", "z", "a", "plain"}, names(s.Groups))
	assert.Equal(t, "::setup::inner", s.Groups[0].Groups[0].Path)
	a := s.Groups[2]
	assert.Equal(t, 1.0, a.Metric("my_c").Values["count"])
	assert.Equal(t, []string{"b"}, names(a.Groups))
	assert.Equal(t, 1.0, a.Groups[0].Metric("my_c").Values["count"])
	assert.Equal(t, []string{"10", "9", "a", "B_1", "b-1", "b-2"}, names(s.Scenarios),
		"digits before letters, letters regardless of case")
	assert.Equal(t, 8.0+6, s.Metric("my_c").Values["count"], "the total counts everything")
}

func TestBreakdownLimit(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_c", Counter) }, nil, WithBreakdown())
	r.e.bd.limit = 3
	r.add("my_c", 1, TagScenario, "s1", TagGroup, "::g1") // 2 keys: s1 and s1's g1
	r.add("my_c", 1, TagScenario, "s1", TagGroup, "::g1::g2")
	r.add("my_c", 1, TagScenario, "s1", TagGroup, "::g3") // over: counts in s1, not in a group
	r.add("my_c", 1, TagScenario, "s2")                   // over: left out entirely
	r.add("my_c", 1, TagScenario, "s1", TagGroup, "::g1::g2")
	r.add("my_c", 1, TagGroup, "::g4")

	s := r.summary(SummaryOptions{})
	assert.Equal(t, uint64(3), s.BreakdownDropped)
	assert.Equal(t, uint64(3), r.e.BreakdownDropped())
	require.Equal(t, []string{"s1"}, names(s.Scenarios))
	s1 := s.Scenarios[0]
	assert.Equal(t, 4.0, s1.Metric("my_c").Values["count"])
	assert.Equal(t, []string{"g1"}, names(s1.Groups))
	assert.Equal(t, 2.0, s1.Groups[0].Groups[0].Metric("my_c").Values["count"])
	assert.Empty(t, s.Groups)
	assert.Equal(t, 6.0, s.Metric("my_c").Values["count"], "the total results are complete")

	plain := newTestRun(t, nil, nil)
	assert.Zero(t, plain.e.BreakdownDropped())
	assert.Nil(t, plain.summary(SummaryOptions{}).Scenarios)
}

func TestBreakdownTargetCache(t *testing.T) {
	t.Parallel()
	b := newBreakdown(MaxBreakdownKeys)
	// More tag sets than cache slots, each used twice: every one resolves to
	// its own group however the slots collide.
	var sets []*TagSet
	for i := range 3 * len(b.cache) {
		sets = append(sets, NewTagSet(map[string]string{TagGroup: "::g" + strconv.Itoa(i)}))
	}
	for range 2 {
		for i, ts := range sets {
			tg := b.target(ts)
			require.NotNil(t, tg.group)
			assert.Equal(t, "::g"+strconv.Itoa(i), tg.group.path)
		}
	}
	assert.Equal(t, len(sets), b.keys)
	assert.Nil(t, b.target(nil).group)
}

func TestBreakdownConcurrent(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_c", Counter) }, nil, WithBreakdown())
	m := r.reg.Get("my_c")
	var wg sync.WaitGroup
	for vu := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tags := NewTagSet(map[string]string{TagScenario: fmt.Sprintf("s%d", vu%2), TagGroup: "::g"})
			batch := make([]Sample, 10)
			for i := range batch {
				batch[i] = Sample{Metric: m, Tags: tags, Value: 1}
			}
			for range 100 {
				r.e.AddSamples(batch)
			}
		}()
	}
	wg.Wait()
	s := r.summary(SummaryOptions{})
	got := map[string]float64{}
	for _, sc := range s.Scenarios {
		got[sc.Name] = sc.Metric("my_c").Values["count"]
		got[sc.Name+"/g"] = sc.Groups[0].Metric("my_c").Values["count"]
	}
	assert.Equal(t, map[string]float64{"s0": 4000, "s0/g": 4000, "s1": 4000, "s1/g": 4000}, got)
}

func TestLocaleLess(t *testing.T) {
	t.Parallel()
	// k6 scenario names are made of ASCII letters, digits, "_" and "-".
	in := []string{"b", "B", "a", "-x", "_x", "1", "ab", "Aa", "z", "a-b", "a_b"}
	sort.Slice(in, func(i, j int) bool { return localeLess(in[i], in[j]) })
	assert.Equal(t, []string{"_x", "-x", "1", "a", "a_b", "a-b", "Aa", "ab", "b", "B", "z"}, in)
}
