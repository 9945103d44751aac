// pause holds a pod's namespaces, as registry.k8s.io/pause does: the test node's
// sandbox image is built from it (test/control-plane/node.ts), as there is no
// registry to pull the real one from.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
