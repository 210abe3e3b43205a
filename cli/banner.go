package cli

import (
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/segment"
)

// writeBanner prints what the run is about to do, as k6 does before a test:
// the script, the outputs, and one line per scenario.
func writeBanner(w io.Writer, script string, outs []string, seg *segment.Segment, o runner.Overview) {
	output := "-"
	if len(outs) > 0 {
		output = strings.Join(outs, ", ")
	}
	share := 100.0
	if seg != nil {
		share, _ = new(big.Rat).Mul(seg.Length(), big.NewRat(100, 1)).Float64()
	}
	noun := "scenarios"
	if len(o.Scenarios) == 1 {
		noun = "scenario"
	}
	fmt.Fprintf(w, "\n     execution: local\n        script: %s\n        output: %s\n\n", script, output)
	fmt.Fprintf(w, "     scenarios: (%.2f%%) %d %s, %d max VUs, %s max duration (incl. graceful stop):\n",
		share, len(o.Scenarios), noun, o.MaxVUs, o.MaxDuration)
	for _, sc := range o.Scenarios {
		fmt.Fprintf(w, "              * %s: %s\n", sc.Name, sc.Description)
	}
	fmt.Fprintln(w)
}
