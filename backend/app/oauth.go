package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/oauth"
)

// oauthProviders builds the configured sign-in providers. A provider that
// cannot start (its discovery document is unreachable, its key unreadable)
// is left out and logged, and the rest of the server starts.
func oauthProviders(ctx context.Context, cfg config.Config, logger *slog.Logger) ([]core.OAuthProvider, map[string]string) {
	var out []core.OAuthProvider
	problems := map[string]string{}
	o := cfg.OAuth
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if o.Google.ClientID != "" {
		g, err := oauth.NewGoogle(ctx, oauth.GoogleConfig{ClientID: o.Google.ClientID, ClientSecret: o.Google.ClientSecret, IssuerURL: o.Google.IssuerURL})
		if err != nil {
			problems["google"] = err.Error()
		} else {
			out = append(out, g)
		}
	}
	if o.Apple.ClientID != "" {
		pem := o.Apple.PrivateKeyPEM
		if pem == "" {
			b, err := os.ReadFile(o.Apple.PrivateKeyFile)
			if err != nil {
				problems["apple"] = fmt.Sprintf("read private key: %v", err)
			}
			pem = string(b)
		}
		if pem != "" {
			a, err := oauth.NewApple(ctx, oauth.AppleConfig{ClientID: o.Apple.ClientID, TeamID: o.Apple.TeamID, KeyID: o.Apple.KeyID,
				PrivateKeyPEM: pem, IssuerURL: o.Apple.IssuerURL, AuthURL: o.Apple.AuthURL, TokenURL: o.Apple.TokenURL})
			if err != nil {
				problems["apple"] = err.Error()
			} else {
				out = append(out, a)
			}
		}
	}
	if o.Facebook.ClientID != "" {
		f, err := oauth.NewFacebook(oauth.FacebookConfig{ClientID: o.Facebook.ClientID, ClientSecret: o.Facebook.ClientSecret,
			AuthURL: o.Facebook.AuthURL, TokenURL: o.Facebook.TokenURL, GraphURL: o.Facebook.GraphURL})
		if err != nil {
			problems["facebook"] = err.Error()
		} else {
			out = append(out, f)
		}
	}
	for name, p := range problems {
		logger.Error("sign-in provider disabled", slog.String("provider", name), slog.String("error", p))
	}
	return out, problems
}
