package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/segment"
)

func newInspectCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var rf runFlags
	var execReqs bool
	cmd := &cobra.Command{
		Use:   "inspect [flags] script.js|archive.tar",
		Short: "print a test's options",
		Long: `Print the options a script exports (or an archive holds) as JSON. With
--execution-requirements, print the consolidated options (config file, script,
K6_* variables) with the test's total duration and the most VUs it needs, as
k6-operator reads them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, fail := commandLogger(stderr, rf.logFormat, false)
			test, err := loadTest(cmd, &rf, env, args[0], logger, logger)
			if err != nil {
				return fail(err)
			}
			var out []byte
			if execReqs {
				out, err = executionRequirements(test.Options)
			} else {
				out, err = json.Marshal(test.Layers.Script)
			}
			if err != nil {
				return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "  "); err != nil {
				return fail(err)
			}
			fmt.Fprintln(stdout, pretty.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.BoolVar(&execReqs, "execution-requirements", false,
		"also print the consolidated options, the total duration and the most VUs the test needs")
	addLoadFlags(f, &rf)
	f.StringVar(&rf.logFormat, "log-format", "", "log format: text (default), json or raw")
	return cmd
}

// executionRequirements is the JSON of `inspect --execution-requirements`:
// every option, then totalDuration and maxVUs.
func executionRequirements(o options.Options) ([]byte, error) {
	tuple, err := segment.NewTuple(o.ExecutionSegment, o.ExecutionSegmentSequence)
	if err != nil {
		return nil, err
	}
	req, err := runner.ExecutionRequirements(o, tuple)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	data, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	all["totalDuration"], _ = json.Marshal(req.TotalDuration.String())
	all["maxVUs"], _ = json.Marshal(req.MaxVUs)
	return json.Marshal(all)
}
