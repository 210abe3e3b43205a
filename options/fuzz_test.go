package options

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// marshals to JSON that parses back to the same options.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `{"vus":2,"duration":"1s"}`, `{"iterations":3}`,
		`{"stages":[{"duration":"500ms","target":4},{"duration":500,"target":"2"}]}`,
		`{"scenarios":{"si":{"executor":"shared-iterations","iterations":1,"maxDuration":"30m","exec":"noop"},
			"car":{"executor":"constant-arrival-rate","rate":2,"timeUnit":"1s","duration":"1s","preAllocatedVUs":1},
			"rar":{"executor":"ramping-arrival-rate","startRate":1,"stages":[{"duration":"500ms","target":2}],"maxVUs":2},
			"rv":{"executor":"ramping-vus","startVUs":0,"stages":[{"duration":"1s","target":1}],"gracefulRampDown":0},
			"ec":{"executor":"externally-controlled","vus":1,"duration":0},
			"cv":{"executor":"constant-vus","env":{"A":"b"},"tags":{"t":1},"options":{"browser":{}}}}}`,
		`{"thresholds":{"http_req_duration":["p(95)<200",{"threshold":"p(99)<1","abortOnFail":true,"delayAbortEval":"1s"}]}}`,
		`{"dns":{"ttl":3000,"select":"first","policy":"any"},"tlsVersion":{"min":"tls1.2","max":"tls1.3"},
			"tlsCipherSuites":["TLS_AES_128_GCM_SHA256"],"blacklistIPs":["10.0.0.0/8"],"blockHostnames":["*.x"],
			"hosts":{"a":"1.2.3.4"},"tlsAuth":[{"cert":"c","key":"k","password":"p","domains":["d"]}]}`,
		`{"executionSegment":"0.5:1","executionSegmentSequence":"0,50%,1","systemTags":["vu","bogus"],
			"summaryTrendStats":["avg"],"tags":{"a":"b"},"ext":{"x":[1,2]},"cloud":{"name":"n"},"features":["f"],
			"httpDebug":true,"localIPs":"10.0.0.1","consoleOutput":"c","setupTimeout":"1d2h","vus":1e2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Parse(data)
		if err != nil {
			return
		}
		first, err := o.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal of parsed %q: %v", data, err)
		}
		back, err := Parse(first)
		if err != nil {
			t.Fatalf("%q marshalled to %s, which does not parse: %v", data, first, err)
		}
		second, err := back.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("round trip of %q changed:\n%s\n%s", data, first, second)
		}
		if _, err := o.ScriptJSON(); err != nil {
			t.Fatalf("ScriptJSON: %v", err)
		}
		_ = o.Validate()
		if d, _, err := o.Apply(back).WithDefaults().DeriveScenarios(); err == nil {
			_ = d.Validate()
			if _, err := d.ScriptJSON(); err != nil {
				t.Fatalf("ScriptJSON after derivation: %v", err)
			}
		}
	})
}
