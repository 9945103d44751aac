// Argo CD's Lua interpreter at the version Argo CD pins, for the chart's health checks; see main.go and ../../build.sh.
module tollgate.dev/test/control-plane/argocd-lua

go 1.26.0

require github.com/yuin/gopher-lua v1.1.1
