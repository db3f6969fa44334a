package mail_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/mail"
	"sentry/backend/mail/mailtest"
)

func TestSMTPDeliversOverSTARTTLS(t *testing.T) {
	srv := mailtest.Start(t)
	m := &mail.SMTP{Addr: srv.Addr, From: "Sentry AI <noreply@sentry.test>", TLS: &tls.Config{RootCAs: srv.RootCAs, ServerName: "localhost"}}
	err := m.Send(context.Background(), core.Message{To: "ada@example.com", Subject: "Your code: 123456", Text: "Hello Ada,\nyour code is 123456.\nÜnïcödé ok"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	if !got[0].TLS {
		t.Fatal("message was not sent over TLS")
	}
	if got[0].From != "noreply@sentry.test" || got[0].To[0] != "ada@example.com" || !strings.Contains(got[0].Data, "123456") {
		t.Fatalf("received %+v", got[0])
	}
}

func TestSMTPRejectsUntrustedCertificate(t *testing.T) {
	srv := mailtest.Start(t)
	m := &mail.SMTP{Addr: srv.Addr, From: "noreply@sentry.test"}
	if err := m.Send(context.Background(), core.Message{To: "ada@example.com", Subject: "x", Text: "y"}); err == nil {
		t.Fatal("sent to a server with an untrusted certificate")
	}
}

func TestRejectsHeaderInjection(t *testing.T) {
	o := &mail.Outbox{Dir: t.TempDir(), From: "noreply@sentry.test"}
	for _, m := range []core.Message{
		{To: "a@example.com\r\nBcc: evil@example.com", Subject: "x"},
		{To: "a@example.com", Subject: "x\r\nBcc: evil@example.com"},
	} {
		if err := o.Send(context.Background(), m); err == nil {
			t.Fatalf("accepted %q", m)
		}
	}
}

func TestOutboxWritesEml(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o := &mail.Outbox{Dir: dir, From: "noreply@sentry.test"}
	if err := o.Send(context.Background(), core.Message{To: "bo@example.com", Subject: "Reset", Text: "code 654321"}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "To: <bo@example.com>") || !strings.Contains(string(b), "654321") {
		t.Fatalf("eml: %s", b)
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}
