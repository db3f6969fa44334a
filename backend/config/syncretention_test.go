package config_test

import (
	"os"
	"path/filepath"
	"testing"
)

// The sync log's tombstone retention comes from the file or the
// environment, in days; 0 (unset) means the default, and nonsense is
// refused at start.
func TestSyncRetentionDays(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || c.SyncRetentionDays != 0 || c.Validate() != nil {
		t.Fatalf("default %d %v", c.SyncRetentionDays, err)
	}
	c, err = load(t, nil, map[string]string{"SENTRY_SYNC_RETENTION_DAYS": "30"})
	if err != nil || c.SyncRetentionDays != 30 || c.Validate() != nil {
		t.Fatalf("from the environment: %d %v", c.SyncRetentionDays, err)
	}
	file := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(file, []byte(`{"sync_retention_days": 365}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = load(t, []string{"--config", file}, nil); err != nil || c.SyncRetentionDays != 365 {
		t.Fatalf("from the file: %d %v", c.SyncRetentionDays, err)
	}
	if _, err := load(t, nil, map[string]string{"SENTRY_SYNC_RETENTION_DAYS": "ninety"}); err == nil {
		t.Fatal("a retention that is not a number was taken")
	}
	for _, days := range []string{"-1", "3651"} {
		c, err := load(t, nil, map[string]string{"SENTRY_SYNC_RETENTION_DAYS": days})
		if err != nil {
			t.Fatal(err)
		}
		if c.Validate() == nil {
			t.Fatalf("a retention of %s days was accepted", days)
		}
	}
}
