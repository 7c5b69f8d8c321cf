// Command driftdeck is the on-call console for Cloudflare. This package only
// wires the engine's packages into commands; the logic lives in agent/,
// providers/ and ui/.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"charm.land/fang/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:]))
}

// run executes the CLI and maps errors to exit codes: 0 success, 1 error,
// and whatever an exitError carries (drift's 2 for "drift found").
func run(ctx context.Context, args []string) int {
	root := newRootCommand()
	root.SetArgs(args)
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
		fang.WithErrorHandler(printError),
	)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// exitError ends the command with a specific exit code; its message, if
// any, has already been printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
