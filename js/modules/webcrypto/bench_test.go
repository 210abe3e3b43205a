package webcrypto_test

import (
	"context"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/runner"
)

// benchIteration runs b.N iterations of src's default function on one VU.
func benchIteration(b *testing.B, src string) {
	l := logrus.New()
	l.SetOutput(io.Discard)
	test, err := minik6test.LoadScript(src, l, l, nil)
	if err != nil {
		b.Fatal(err)
	}
	vu, err := test.Bundle.NewVU(context.Background(), &runner.VUState{})
	if err != nil {
		b.Fatal(err)
	}
	defer vu.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := vu.RunIteration(ctx, "default"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigestSHA256_1K calls crypto.subtle.digest('SHA-256') of 1 KiB:
// the call and its promise, which no one awaits.
func BenchmarkDigestSHA256_1K(b *testing.B) {
	benchIteration(b, `const d = new Uint8Array(1024);
		export default function () { crypto.subtle.digest('SHA-256', d); }`)
}

// BenchmarkDigestThenSHA256_1K is the same with a reaction to the promise,
// run as a promise job.
func BenchmarkDigestThenSHA256_1K(b *testing.B) {
	benchIteration(b, `const d = new Uint8Array(1024); let n = 0; const count = (buf) => { n += buf.byteLength; };
		export default function () { crypto.subtle.digest('SHA-256', d).then(count); }`)
}

// BenchmarkDigestAwaitSHA256_1K awaits the digest in an async function.
func BenchmarkDigestAwaitSHA256_1K(b *testing.B) {
	benchIteration(b, `const d = new Uint8Array(1024);
		export default async function () { await crypto.subtle.digest('SHA-256', d); }`)
}

// BenchmarkAwaitNull is what an async function awaiting anything costs: the
// floor of BenchmarkDigestAwaitSHA256_1K.
func BenchmarkAwaitNull(b *testing.B) {
	benchIteration(b, `export default async function () { await null; }`)
}

// BenchmarkGoSHA256_1K is the baseline: Go's SHA-256 of 1 KiB into a new
// slice, as digest returns a new ArrayBuffer.
func BenchmarkGoSHA256_1K(b *testing.B) {
	d := make([]byte, 1024)
	b.ReportAllocs()
	for range b.N {
		h := sha256.New()
		h.Write(d)
		_ = h.Sum(nil)
	}
}
