package storetest

import (
	"bytes"
	"testing"
	"time"

	"sentry/backend/core"
)

// Integrations: one live row per user and provider, reconnecting keeps the
// cursor, errors and syncs are recorded, disconnecting wipes the tokens;
// flows are single use; links carry their task's state.
func testIntegrations(t *testing.T, s Stores) {
	u := mustUser(t, s, "integrations@example.com")
	in := s.Integrations
	_, err := in.FindIntegration(ctx, u.ID, core.IntegrationGoogleTasks)
	wantCode(t, "not connected", err, core.ENOTFOUND)
	exp := time.Date(2026, 12, 1, 10, 0, 0, 987654321, time.UTC)
	g := &core.Integration{UserID: u.ID, Provider: core.IntegrationGoogleTasks, AccessTokenEnc: []byte{0, 1, 2, 0xff}, RefreshTokenEnc: []byte("r"), TokenExpiresAt: &exp, Scopes: "tasks"}
	if err := in.ConnectIntegration(ctx, g); err != nil || g.ID == "" || g.Status != core.IntegrationConnected {
		t.Fatal(err, g)
	}
	at := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	if err := in.RecordIntegrationSync(ctx, g.ID, "cursor-1", at); err != nil {
		t.Fatal(err)
	}
	if err := in.RecordIntegrationError(ctx, g.ID, core.IntegrationNeedsReconnect, "Access revoked.", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := in.FindIntegration(ctx, u.ID, core.IntegrationGoogleTasks)
	if err != nil || !bytes.Equal(got.AccessTokenEnc, g.AccessTokenEnc) || !got.TokenExpiresAt.Equal(exp.Truncate(time.Millisecond)) || got.SyncCursor != "cursor-1" ||
		!got.LastSyncedAt.Equal(at) || got.Status != core.IntegrationNeedsReconnect || got.LastError != "Access revoked." || got.LastErrorAt == nil {
		t.Fatalf("integration: %+v %v", got, err)
	}
	again := &core.Integration{UserID: u.ID, Provider: core.IntegrationGoogleTasks, AccessTokenEnc: []byte("a2"), Scopes: "tasks"}
	if err := in.ConnectIntegration(ctx, again); err != nil || again.ID != g.ID {
		t.Fatalf("reconnect: %v %s", err, again.ID)
	}
	got, err = in.FindIntegration(ctx, u.ID, core.IntegrationGoogleTasks)
	if err != nil || got.SyncCursor != "cursor-1" || got.Status != core.IntegrationConnected || got.LastError != "" || got.LastErrorAt != nil ||
		string(got.AccessTokenEnc) != "a2" || got.RefreshTokenEnc != nil || got.TokenExpiresAt != nil {
		t.Fatalf("after reconnect: %+v %v", got, err)
	}
	if err := in.UpdateIntegrationTokens(ctx, g.ID, []byte("a3"), []byte("r3"), &exp); err != nil {
		t.Fatal(err)
	}
	z := &core.Integration{UserID: u.ID, Provider: core.IntegrationZoom, AccessTokenEnc: []byte("z")}
	if err := in.ConnectIntegration(ctx, z); err != nil {
		t.Fatal(err)
	}
	if list, err := in.FindIntegrations(ctx, u.ID); err != nil || len(list) != 2 || list[0].Provider != core.IntegrationGoogleTasks {
		t.Fatalf("integrations: %d %v", len(list), err)
	}
	if all, err := in.FindAllIntegrations(ctx); err != nil || len(all) != 2 || all[0].ID != z.ID {
		t.Fatalf("all (never synced first): %d %v", len(all), err)
	}
	if err := in.DisconnectIntegration(ctx, u.ID, core.IntegrationZoom); err != nil {
		t.Fatal(err)
	}
	err = in.DisconnectIntegration(ctx, u.ID, core.IntegrationZoom)
	wantCode(t, "disconnect twice", err, core.ENOTFOUND)
	err = in.RecordIntegrationSync(ctx, z.ID, "c", at)
	wantCode(t, "sync a disconnected one", err, core.ENOTFOUND)
	err = in.UpdateIntegrationTokens(ctx, ghostID, nil, nil, nil)
	wantCode(t, "tokens of nothing", err, core.ENOTFOUND)

	f := &core.IntegrationFlow{StateHash: "state-1", UserID: u.ID, Provider: core.IntegrationZoom, CodeVerifier: "v", RedirectURI: "http://127.0.0.1/cb", ExpiresAt: time.Now().Add(time.Minute)}
	if err := in.CreateIntegrationFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	got2, err := in.TakeIntegrationFlow(ctx, "state-1")
	if err != nil || got2.UserID != u.ID || got2.CodeVerifier != "v" || got2.RedirectURI != f.RedirectURI {
		t.Fatalf("flow: %+v %v", got2, err)
	}
	_, err = in.TakeIntegrationFlow(ctx, "state-1")
	wantCode(t, "flow used twice", err, core.ENOTFOUND)
	stale := &core.IntegrationFlow{StateHash: "state-2", UserID: u.ID, Provider: core.IntegrationZoom, CodeVerifier: "v", RedirectURI: "x", ExpiresAt: time.Now().Add(-time.Second)}
	if err := in.CreateIntegrationFlow(ctx, stale); err != nil {
		t.Fatal(err)
	}
	_, err = in.TakeIntegrationFlow(ctx, "state-2")
	wantCode(t, "expired flow", err, core.ENOTFOUND)

	task := mustTask(t, s, newTask(u.ID, "linked"))
	l := &core.IntegrationLink{UserID: u.ID, Provider: core.IntegrationGoogleTasks, RemoteID: "r1", RemoteListID: "l1", TaskID: task.ID, RemoteUpdated: "2026-12-01T10:00:00Z", LocalVersion: 1}
	if err := in.SaveIntegrationLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	l.LocalVersion, l.RemoteUpdated = 2, "later"
	if err := in.SaveIntegrationLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.Tasks.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	links, err := in.FindIntegrationLinks(ctx, u.ID, core.IntegrationGoogleTasks)
	if err != nil || len(links) != 1 || links[0].LocalVersion != 2 || links[0].RemoteUpdated != "later" || links[0].TaskVersion != 2 ||
		links[0].TaskDeletedAt != nil && !isMs(*links[0].TaskDeletedAt) || links[0].TaskDeletedAt == nil || !isMs(links[0].TaskUpdatedAt) {
		t.Fatalf("links: %+v %v", links, err)
	}
	if err := in.DeleteIntegrationLink(ctx, u.ID, core.IntegrationGoogleTasks, "r1"); err != nil {
		t.Fatal(err)
	}
	if err := in.DeleteIntegrationLink(ctx, u.ID, core.IntegrationGoogleTasks, "r1"); err != nil {
		t.Fatal("deleting an absent link:", err)
	}
	if links, err := in.FindIntegrationLinks(ctx, u.ID, core.IntegrationGoogleTasks); err != nil || links == nil || len(links) != 0 {
		t.Fatalf("no links: %v %v", links, err)
	}
}
