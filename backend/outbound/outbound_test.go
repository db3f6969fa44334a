package outbound

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestSafeWord(t *testing.T) {
	for in, want := range map[string]string{"invalid_grant": "invalid_grant", "OAuthException": "OAuthException", "a b": "?",
		"<script>": "?", strings.Repeat("x", 65): "?", "v1.2-x": "v1.2-x"} {
		if got := SafeWord(in); got != want {
			t.Errorf("SafeWord(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStripURLKeepsTheCauseNotTheQuery(t *testing.T) {
	_, err := http.Get("http://127.0.0.1:1/token?client_secret=s3cret")
	if err == nil {
		t.Skip("something listens on port 1")
	}
	got := StripURL(err)
	if strings.Contains(got.Error(), "s3cret") || !strings.HasPrefix(got.Error(), "Get request failed: ") {
		t.Fatalf("%v", got)
	}
	plain := errors.New("plain")
	if StripURL(plain) != plain {
		t.Fatal("a non-URL error changed")
	}
}
