// The test node's pod sandbox process; see main.go and ../../build.sh.
module tollgate.dev/test/control-plane/pause

go 1.26.0
