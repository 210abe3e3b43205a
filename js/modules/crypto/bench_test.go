package crypto_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
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

// BenchmarkSHA256Hex1K is k6/crypto's sha256 of a 1 KiB string, in hex.
func BenchmarkSHA256Hex1K(b *testing.B) {
	benchIteration(b, `import crypto from 'k6/crypto'; const d = 'x'.repeat(1024);
		export default function () { crypto.sha256(d, 'hex'); }`)
}

// BenchmarkSHA256HexBuffer1K is the same of a 1 KiB ArrayBuffer.
func BenchmarkSHA256HexBuffer1K(b *testing.B) {
	benchIteration(b, `import crypto from 'k6/crypto'; const d = new Uint8Array(1024).buffer;
		export default function () { crypto.sha256(d, 'hex'); }`)
}

// BenchmarkGoSHA256Hex1K is the baseline: Go's SHA-256 of 1 KiB, in hex.
func BenchmarkGoSHA256Hex1K(b *testing.B) {
	d := []byte(strings.Repeat("x", 1024))
	b.ReportAllocs()
	for range b.N {
		sum := sha256.Sum256(d)
		_ = hex.EncodeToString(sum[:])
	}
}
