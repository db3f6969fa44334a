package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"sentry/backend/config"
)

// The session's bus is there when its address is set or the runtime
// directory holds its socket; otherwise nothing may try to start one.
func TestHasSessionBus(t *testing.T) {
	dir := t.TempDir()
	if (config.Config{}).HasSessionBus() {
		t.Fatal("no address and no runtime directory: a bus is reported")
	}
	if (config.Config{RuntimeDir: dir}).HasSessionBus() {
		t.Fatal("a runtime directory without a bus socket: a bus is reported")
	}
	if !(config.Config{SessionBus: "unix:path=/nowhere"}).HasSessionBus() {
		t.Fatal("an address is set: no bus reported")
	}
	if err := os.WriteFile(filepath.Join(dir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !(config.Config{RuntimeDir: dir}).HasSessionBus() {
		t.Fatal("the runtime directory holds the bus: no bus reported")
	}
	// Both come from the environment through Load.
	c, err := load(t, nil, map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x", "XDG_RUNTIME_DIR": dir})
	if err != nil || c.SessionBus != "unix:path=/x" || c.RuntimeDir != dir {
		t.Fatalf("loaded %q %q %v", c.SessionBus, c.RuntimeDir, err)
	}
}
