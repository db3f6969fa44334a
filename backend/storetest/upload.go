package storetest

import (
	"testing"
	"time"

	"sentry/backend/core"
)

// Sessions expire and take their uploads when deleted; uploads are found
// by id and hash, summed, kept, deleted and purged the same way.
func testUploads(t *testing.T, s Stores) {
	u := mustUser(t, s, "files@example.com")
	up := s.Uploads
	sess := &core.UploadSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}
	if err := up.CreateUploadSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	got, err := up.FindUploadSession(ctx, sess.ID)
	if err != nil || got.UserID != u.ID || !isMs(got.ExpiresAt) || !isMs(got.CreatedAt) {
		t.Fatalf("session: %+v %v", got, err)
	}
	expired := &core.UploadSession{UserID: u.ID, ExpiresAt: time.Now().Add(-time.Minute)}
	if err := up.CreateUploadSession(ctx, expired); err != nil {
		t.Fatal(err)
	}
	_, err = up.FindUploadSession(ctx, expired.ID)
	wantCode(t, "expired session", err, core.ENOTFOUND)
	err = up.CreateUploadSession(ctx, &core.UploadSession{UserID: ghostID, ExpiresAt: time.Now().Add(time.Hour)})
	wantCode(t, "session of nobody", err, core.ENOTFOUND)

	exp := time.Now().Add(-time.Second)
	a := &core.Upload{UserID: u.ID, SessionID: sess.ID, Filename: "notes.txt", ContentType: "text/plain", Kind: "text", SizeBytes: 100, SHA256: "aa", StoragePath: "u/a"}
	b := &core.Upload{UserID: u.ID, Filename: "scan.png", Kind: "image", SizeBytes: 50, SHA256: "bb", StoragePath: "u/b", Temporary: true, ExpiresAt: &exp}
	failed := &core.Upload{UserID: u.ID, Filename: "bad.exe", SizeBytes: 7, SHA256: "aa", Status: "failed", Error: "Not allowed."}
	for _, x := range []*core.Upload{a, b, failed} {
		if err := up.CreateUpload(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	err = up.CreateUpload(ctx, &core.Upload{UserID: ghostID, Filename: "x"})
	wantCode(t, "upload of nobody", err, core.ENOTFOUND)
	ga, err := up.FindUploadByID(ctx, a.ID)
	if err != nil || ga.Filename != "notes.txt" || ga.Status != "stored" || ga.SessionID != sess.ID || ga.SizeBytes != 100 || ga.Temporary || ga.ExpiresAt != nil {
		t.Fatalf("upload: %+v %v", ga, err)
	}
	if sha, err := up.FindUploadBySHA(ctx, u.ID, "aa"); err != nil || sha.ID != a.ID {
		t.Fatalf("by sha (failed ones don't count): %+v %v", sha, err)
	}
	_, err = up.FindUploadBySHA(ctx, u.ID, "cc")
	wantCode(t, "unknown sha", err, core.ENOTFOUND)
	if n, err := up.UserUploadBytes(ctx, u.ID); err != nil || n != 150 {
		t.Fatalf("bytes: %d %v", n, err)
	}
	list, err := up.FindUploads(ctx, core.UploadFilter{UserID: u.ID})
	if err != nil || len(list) != 3 || list[0].ID != failed.ID || list[2].ID != a.ID {
		t.Fatalf("uploads: %d %v", len(list), err)
	}
	if in, err := up.FindUploads(ctx, core.UploadFilter{UserID: u.ID, SessionID: sess.ID}); err != nil || len(in) != 1 || in[0].ID != a.ID {
		t.Fatalf("session's uploads: %d %v", len(in), err)
	}
	// b is temporary and expired: cleanup finds it until it is kept.
	old, err := up.FindExpiredUploads(ctx, time.Now(), 10)
	if err != nil || len(old) != 1 || old[0].ID != b.ID {
		t.Fatalf("expired: %d %v", len(old), err)
	}
	if err := up.KeepUpload(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if old, _ := up.FindExpiredUploads(ctx, time.Now(), 10); len(old) != 0 {
		t.Fatalf("kept upload still expires")
	}
	if err := up.DeleteUploadSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	_, err = up.FindUploadByID(ctx, a.ID)
	wantCode(t, "upload of a deleted session", err, core.ENOTFOUND)
	_, err = up.FindUploadSession(ctx, sess.ID)
	wantCode(t, "deleted session", err, core.ENOTFOUND)
	if err := up.DeleteUpload(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	err = up.DeleteUpload(ctx, b.ID)
	wantCode(t, "deleted twice", err, core.ENOTFOUND)
	old, err = up.FindExpiredUploads(ctx, time.Now(), 10)
	if err != nil || len(old) != 2 || old[0].DeletedAt == nil {
		t.Fatalf("deleted files to purge: %d %v", len(old), err)
	}
	for _, o := range old {
		if err := up.MarkUploadPurged(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if old, _ := up.FindExpiredUploads(ctx, time.Now(), 10); len(old) != 0 {
		t.Fatalf("purged uploads still listed: %d", len(old))
	}
	if n, err := up.UserUploadBytes(ctx, u.ID); err != nil || n != 0 {
		t.Fatalf("bytes after deletes: %d %v", n, err)
	}
	if n, err := up.UserUploadBytes(ctx, ghostID); err != nil || n != 0 {
		t.Fatalf("nobody's bytes: %d %v", n, err)
	}
}
