// Command minik6 runs k6 test scripts: `minik6 run script.js`.
package main

import (
	"os"

	"github.com/minik6/minik6/cli"
)

func main() {
	os.Exit(cli.Execute())
}
