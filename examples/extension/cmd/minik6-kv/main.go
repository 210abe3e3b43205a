// Command minik6-kv is minik6 with one more JavaScript module: k6/x/kv, the
// example extension in examples/extension/kv. It is the whole recipe for a custom
// binary: import the extension for its registration, then hand over to minik6's
// command line.
package main

import (
	"os"

	"github.com/minik6/minik6/cli"

	_ "github.com/minik6/minik6/examples/extension/kv"
)

func main() {
	os.Exit(cli.Execute())
}
