package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/integrations/integrationstest"
)

// On the desktop (no public URL) the provider returns the system browser to
// a loopback listener, which finishes the connection.
func TestDesktopConnectsThroughLoopback(t *testing.T) {
	stand := integrationstest.New(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Integrations.Zoom = config.IntegrationProvider{ClientID: integrationstest.ClientID, ClientSecret: integrationstest.ClientSecret,
		AuthURL: stand.URL + "/oauth/authorize", TokenURL: stand.URL + "/oauth/token", APIURL: stand.URL + "/v2"}
	a, err := app.New(context.Background(), app.Options{Config: cfg, Desktop: true, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.LocalUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := core.NewContextWithUser(context.Background(), u)
	authURL, _, err := a.Integrations.Connect(ctx, core.IntegrationZoom, "")
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(authURL)
	if redirect := au.Query().Get("redirect_uri"); !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, app.CallbackPath) {
		t.Fatalf("redirect %q is not a loopback callback", redirect)
	}
	res, err := http.Get(authURL) // consent, then the loopback callback
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Zoom is connected") {
		t.Fatalf("loopback page: %d %s", res.StatusCode, body)
	}
	list, err := a.Integrations.List(ctx, u.ID)
	if err != nil || list[2].Provider != core.IntegrationZoom || !list[2].Connected {
		t.Fatalf("status: %+v %v", list, err)
	}
	if _, err := a.Integrations.ImportZoomMeetings(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
}
