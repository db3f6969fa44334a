//go:build benchpprof

package main

// Built only with -tags benchpprof (scripts/bench-http PROFILE=…): the
// runtime profiles on their own loopback listener, so a load test can take
// CPU and allocation profiles of the real server process. Release builds
// do not contain this file.

import (
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux

	"sentry/backend/config"
)

func init() {
	addr := config.ProfileAddr()
	if addr == "" {
		return
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf(config.EnvProfileAddr+" must be a loopback host:port, not %q", addr)
	}
	go func() { log.Print(http.ListenAndServe(addr, nil)) }()
}
