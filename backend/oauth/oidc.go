package oauth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcFlow is the part of an OpenID Connect sign-in that Google and Apple
// share: the authorization URL and the code exchange whose id_token is
// verified (signature against the provider's keys, iss, aud, exp, nonce).
type oidcFlow struct {
	name, title string
	config      oauth2.Config // RedirectURL is set per call; Apple sets ClientSecret per call
	verifier    *oidc.IDTokenVerifier
	client      *http.Client
}

func (f *oidcFlow) authURL(state, codeVerifier, nonce, redirectURI string, extra ...oauth2.AuthCodeOption) string {
	c := f.config
	c.RedirectURL = redirectURI
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(codeVerifier), oidc.Nonce(nonce)}, extra...)
	return c.AuthCodeURL(state, opts...)
}

// exchange redeems the code with config (the flow's, or a copy carrying a
// fresh client secret) and returns the verified id_token.
func (f *oidcFlow) exchange(ctx context.Context, config oauth2.Config, code, codeVerifier, nonce, redirectURI string) (*oidc.IDToken, error) {
	if err := requireExchangeArgs(f.name, f.title, code, codeVerifier); err != nil {
		return nil, err
	}
	if nonce == "" {
		return nil, fmt.Errorf("oauth: %s: exchange: nonce is required", f.name)
	}
	ctx = withClient(ctx, f.client)
	config.RedirectURL = redirectURI
	tok, err := config.Exchange(ctx, code, oauth2.VerifierOption(codeVerifier))
	if err != nil {
		return nil, fmt.Errorf("oauth: %s: token: %w", f.name, tokenError(f.title, err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("oauth: %s: token: %w", f.name, refusef(f.title, "no id_token in the token response"))
	}
	idt, err := f.verifier.Verify(ctx, raw)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("oauth: %s: id_token: %w", f.name, ctx.Err())
		}
		return nil, fmt.Errorf("oauth: %s: id_token: %w", f.name, refuse(f.title, err))
	}
	// The verifier only checks that our client id is among the audiences; with
	// several, the token must also say it was issued to us.
	if len(idt.Audience) > 1 {
		var c struct {
			AZP string `json:"azp"`
		}
		if err := idt.Claims(&c); err != nil || c.AZP != f.config.ClientID {
			return nil, fmt.Errorf("oauth: %s: id_token: %w", f.name, refusef(f.title, "several audiences and azp is not our client id"))
		}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, fmt.Errorf("oauth: %s: id_token: %w", f.name, refusef(f.title, "nonce does not match the one sent"))
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("oauth: %s: id_token: %w", f.name, refuse(f.title, err))
		}
	}
	if idt.Subject == "" {
		return nil, fmt.Errorf("oauth: %s: id_token: %w", f.name, refusef(f.title, "no subject"))
	}
	return idt, nil
}

// idClaims are the id_token claims both providers use.
type idClaims struct {
	Email         string    `json:"email"`
	EmailVerified claimBool `json:"email_verified"`
	GivenName     string    `json:"given_name"`
	FamilyName    string    `json:"family_name"`
}

func (f *oidcFlow) claims(idt *oidc.IDToken) (*idClaims, error) {
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return nil, fmt.Errorf("oauth: %s: id_token claims: %w", f.name, refuse(f.title, err))
	}
	return &c, nil
}
