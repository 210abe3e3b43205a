// Command minik6 runs k6 test scripts: `minik6 run script.js`.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], environ(), os.Stdout, os.Stderr))
}

// environ returns the process environment as a map.
func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				env[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return env
}
