package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"
)

// scriptTemplates are the starter scripts `new` writes, by name.
var scriptTemplates = map[string]string{
	"minimal": `import http from 'k6/http';
import { sleep } from 'k6';

// The system under test; run with -e BASE_URL=... to point elsewhere.
const BASE_URL = __ENV.BASE_URL || 'https://quickpizza.grafana.com';

export const options = {
  // 10 virtual users for 30 seconds.
  vus: 10,
  duration: '30s',
};

// Each virtual user runs this function over and over.
export default function () {
  http.get(BASE_URL);
  sleep(1);
}
`,
	"protocol": `import http from 'k6/http';
import { check, sleep } from 'k6';

// The system under test; run with -e BASE_URL=... to point elsewhere.
const BASE_URL = __ENV.BASE_URL || 'https://quickpizza.grafana.com';

export const options = {
  // Ramp up to 20 virtual users, hold, ramp down.
  stages: [
    { duration: '10s', target: 20 },
    { duration: '30s', target: 20 },
    { duration: '10s', target: 0 },
  ],
  // The test fails (exit code 99) when these do not hold.
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<500'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const res = http.get(BASE_URL);
  check(res, {
    'status is 200': (r) => r.status === 200,
    'answered within 500 ms': (r) => r.timings.duration < 500,
  });
  sleep(1);
}
`,
}

func newNewCommand(stdout io.Writer) *cobra.Command {
	var force bool
	var template string
	cmd := &cobra.Command{
		Use:   "new [file]",
		Short: "write a starter test script",
		Long: `Write a starter test script (script.js unless a file is named) from a template:
minimal (the default) or protocol (stages, checks and thresholds).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			name := "script.js"
			if len(args) > 0 {
				name = args[0]
			}
			src, ok := scriptTemplates[template]
			if !ok {
				names := make([]string, 0, len(scriptTemplates))
				for n := range scriptTemplates {
					names = append(names, n)
				}
				sort.Strings(names)
				return exitcode.Errorf(exitcode.InvalidConfig, "--template %q: want one of %s", template, strings.Join(names, ", "))
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(name, flags, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists; use --force to overwrite it", name)
			}
			if err != nil {
				return err
			}
			if _, err := f.WriteString(src); err != nil {
				_ = f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "New script created: %s (%s template).\n", name, template)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&force, "force", "f", false, "overwrite an existing file")
	f.StringVarP(&template, "template", "t", "minimal", "the template: minimal or protocol")
	return cmd
}
