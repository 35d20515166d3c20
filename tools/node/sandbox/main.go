// Command sandbox is the pod sandbox ("pause") image's only process: it holds the
// pod's namespaces open for as long as the pod lives. Ours instead of
// registry.k8s.io/pause, so the node needs no image from outside the project.
//
// As PID 1 of the pod's PID namespace it has two jobs: exit 0 when told to stop
// (the kernel gives PID 1 no default signal handlers, so an unhandled SIGTERM
// would be ignored and the runtime would have to SIGKILL it), and reap orphans
// re-parented to it, or they stay zombies until the pod dies.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-v") {
		fmt.Printf("sandbox (gitops-platform.local/sandbox) %s\n", runtime.Version())
		return
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		// Signals coalesce: one SIGCHLD may stand for several exits, so reap
		// until none is left (WNOHANG: never block the signal loop).
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
