package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

func TestExtractionSourceText(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "source@example.com")
	run := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedDocument, Status: core.RunQueued, Now: time.Now(), Timezone: "UTC"}
	if err := db.CreateExtraction(ctx, run); err != nil {
		t.Fatal(err)
	}
	if text, err := db.FindExtractionSource(ctx, run.ID); err != nil || text != "" {
		t.Fatalf("before: %q, %v", text, err)
	}
	text := "Café — Bob will send the report by Friday.\n" + strings.Repeat("More text. ", 1000)
	if err := db.SaveExtractionSource(ctx, run.ID, text); err != nil {
		t.Fatal(err)
	}
	// Saving progress and the outcome leaves the text alone.
	run.Status, run.Stage, run.Progress = core.RunDone, "done", 1
	if err := db.UpdateExtraction(ctx, run); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindExtractionSource(ctx, run.ID); err != nil || got != text {
		t.Fatalf("after: %d bytes, %v", len(got), err)
	}
	if _, err := db.FindExtractionSource(ctx, "nope"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("unknown run: %v", err)
	}
	if err := db.SaveExtractionSource(ctx, "nope", "x"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("save to an unknown run: %v", err)
	}
}
