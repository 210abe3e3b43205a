package cli

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"
)

func newArchiveCommand(env map[string]string, stderr io.Writer) *cobra.Command {
	var rf runFlags
	var out string
	cmd := &cobra.Command{
		Use:   "archive [flags] script.js",
		Short: "pack a test into a tar archive",
		Long: `Pack a test into a tar archive: the script, every module and file it reads,
its consolidated options and its -e variables. Run it anywhere with
"minik6 run archive.tar": it needs nothing but the archive.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, fail := commandLogger(stderr, rf.logFormat, rf.verbose)
			test, err := loadTest(cmd, &rf, env, args[0], logger, logger)
			if err != nil {
				return fail(err)
			}
			arc, err := test.Archive(version)
			if err != nil {
				return fail(exitcode.Wrap(exitcode.GenericEngineError, err))
			}
			f, err := os.Create(out)
			if err != nil {
				return fail(exitcode.Errorf(exitcode.GenericEngineError, "--archive-out: %v", err))
			}
			if err := arc.Write(f); err != nil {
				_ = f.Close()
				return fail(exitcode.Errorf(exitcode.GenericEngineError, "writing the archive %s: %v", out, err))
			}
			if err := f.Close(); err != nil {
				return fail(exitcode.Errorf(exitcode.GenericEngineError, "writing the archive %s: %v", out, err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	addOptionFlags(f)
	addLoadFlags(f, &rf)
	f.StringVarP(&out, "archive-out", "O", "archive.tar", "the archive to write")
	f.StringVar(&rf.logFormat, "log-format", "", "log format: text (default), json or raw")
	f.BoolVarP(&rf.verbose, "verbose", "v", false, "verbose logging")
	return cmd
}
