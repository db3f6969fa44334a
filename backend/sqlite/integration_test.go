package sqlite_test

import (
	"context"
	"testing"
	"time"

	"sentry/backend/core"
)

func TestIntegrationConnectKeepsRowAndCursor(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "int@example.com")
	in := &core.Integration{UserID: u.ID, Provider: core.IntegrationGoogleTasks, AccessTokenEnc: []byte("a1"), RefreshTokenEnc: []byte("r1"), Scopes: "s"}
	if err := db.ConnectIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordIntegrationSync(ctx, in.ID, "cursor-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordIntegrationError(ctx, in.ID, core.IntegrationNeedsReconnect, "revoked", time.Now()); err != nil {
		t.Fatal(err)
	}
	again := &core.Integration{UserID: u.ID, Provider: core.IntegrationGoogleTasks, AccessTokenEnc: []byte("a2"), RefreshTokenEnc: []byte("r2")}
	if err := db.ConnectIntegration(ctx, again); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindIntegration(ctx, u.ID, core.IntegrationGoogleTasks)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || got.SyncCursor != "cursor-1" || string(got.AccessTokenEnc) != "a2" || got.Status != core.IntegrationConnected || got.LastError != "" {
		t.Fatalf("after reconnect: %+v", got)
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	if err := db.UpdateIntegrationTokens(ctx, in.ID, []byte("a3"), []byte("r3"), &exp); err != nil {
		t.Fatal(err)
	}
	got, _ = db.FindIntegration(ctx, u.ID, core.IntegrationGoogleTasks)
	if string(got.RefreshTokenEnc) != "r3" || got.TokenExpiresAt == nil || !got.TokenExpiresAt.Equal(exp) {
		t.Fatalf("tokens: %+v", got)
	}
	if err := db.DisconnectIntegration(ctx, u.ID, core.IntegrationGoogleTasks); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindIntegration(ctx, u.ID, core.IntegrationGoogleTasks); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("after disconnect: %v", err)
	}
	if err := db.DisconnectIntegration(ctx, u.ID, core.IntegrationGoogleTasks); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("second disconnect: %v", err)
	}
	var enc []byte
	if err := db.QueryRowForTest(`SELECT access_token_enc FROM integrations WHERE id = ?`, in.ID).Scan(&enc); err != nil || enc != nil {
		t.Fatalf("tokens kept after disconnect: %q %v", enc, err)
	}
	list, err := db.FindIntegrations(ctx, u.ID)
	if err != nil || len(list) != 0 {
		t.Fatalf("list %v %v", list, err)
	}
}

func TestIntegrationFlowIsSingleUseAndExpires(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "flow@example.com")
	f := &core.IntegrationFlow{StateHash: "h1", UserID: u.ID, Provider: core.IntegrationZoom, CodeVerifier: "v", RedirectURI: "http://x/cb", ExpiresAt: time.Now().Add(time.Minute)}
	if err := db.CreateIntegrationFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err := db.TakeIntegrationFlow(ctx, "h1")
	if err != nil || got.UserID != u.ID || got.CodeVerifier != "v" {
		t.Fatalf("take: %+v %v", got, err)
	}
	if _, err := db.TakeIntegrationFlow(ctx, "h1"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("second take: %v", err)
	}
	old := &core.IntegrationFlow{StateHash: "h2", UserID: u.ID, Provider: core.IntegrationZoom, CodeVerifier: "v", RedirectURI: "http://x/cb", ExpiresAt: time.Now().Add(-time.Second)}
	if err := db.CreateIntegrationFlow(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TakeIntegrationFlow(ctx, "h2"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("expired take: %v", err)
	}
}

func TestIntegrationLinksCarryTaskState(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "links@example.com")
	task := newTask(u.ID, "linked")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	l := &core.IntegrationLink{UserID: u.ID, Provider: core.IntegrationGoogleTasks, RemoteID: "g1", RemoteListID: "L", TaskID: task.ID, RemoteUpdated: "u1", LocalVersion: 1}
	if err := db.SaveIntegrationLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	l.RemoteUpdated = "u2"
	if err := db.SaveIntegrationLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	links, err := db.FindIntegrationLinks(ctx, u.ID, core.IntegrationGoogleTasks)
	if err != nil || len(links) != 1 {
		t.Fatalf("links %v %v", links, err)
	}
	if links[0].RemoteUpdated != "u2" || links[0].TaskDeletedAt == nil || links[0].TaskVersion != 2 || links[0].LocalVersion != 1 {
		t.Fatalf("link %+v", links[0])
	}
	if err := db.DeleteIntegrationLink(ctx, u.ID, core.IntegrationGoogleTasks, "g1"); err != nil {
		t.Fatal(err)
	}
	if links, _ := db.FindIntegrationLinks(ctx, u.ID, core.IntegrationGoogleTasks); len(links) != 0 {
		t.Fatalf("left %v", links)
	}
}
