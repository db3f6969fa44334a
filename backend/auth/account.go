package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sentry/backend/core"
)

// Limits of one-time codes.
const (
	CodeTTL         = 15 * time.Minute
	CodeMaxAttempts = 5
	codeDigits      = 6
)

var errBadCode = core.FieldError("code", "The code is wrong or has expired. Ask for a new one.")

// codeHash keys the hash with the server secret: six digits could be
// brute-forced offline from a plain hash.
func (s *Service) codeHash(purpose, userID, code string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "%s\x00%s\x00%s", purpose, userID, code)
	return hex.EncodeToString(m.Sum(nil))
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("auth: code: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// sendCode issues a code of purpose for u and mails it in the background,
// so that answering takes as long whether or not an account exists.
func (s *Service) sendCode(ctx context.Context, u *core.User, purpose string) {
	if s.accounts == nil || s.mailer == nil || u.IsLocal {
		return
	}
	code, err := newCode()
	if err != nil {
		s.logger.Error("issue code", slog.Any("error", err))
		return
	}
	c := &core.AuthCode{UserID: u.ID, Purpose: purpose, CodeHash: s.codeHash(purpose, u.ID, code), ExpiresAt: s.now().Add(CodeTTL)}
	if err := s.accounts.CreateAuthCode(ctx, c); err != nil {
		s.logger.Error("store code", slog.Any("error", err))
		return
	}
	app := s.appName
	if app == "" {
		app = "Sentry AI"
	}
	var msg core.Message
	switch purpose {
	case core.CodeVerifyEmail:
		msg = core.Message{To: u.Email, Subject: fmt.Sprintf("%s: confirm your email (code %s)", app, code),
			Text: fmt.Sprintf("Hello %s,\n\nyour confirmation code is %s. It works once, for %d minutes.\n\nIf you did not sign up for %s, ignore this email.\n", u.FirstName, code, int(CodeTTL.Minutes()), app)}
	case core.CodeResetPassword:
		msg = core.Message{To: u.Email, Subject: fmt.Sprintf("%s: reset your password (code %s)", app, code),
			Text: fmt.Sprintf("Hello %s,\n\nyour password reset code is %s. It works once, for %d minutes.\n\nIf you did not ask to reset your password, ignore this email; your password is unchanged.\n", u.FirstName, code, int(CodeTTL.Minutes()))}
	default:
		return
	}
	s.mailWG.Add(1)
	go func() {
		defer s.mailWG.Done()
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.mailer.Send(mctx, msg); err != nil {
			s.logger.Error("send email failed", slog.String("user_id", u.ID), slog.String("purpose", purpose), slog.Any("error", err))
		}
	}()
}

// WaitMail waits for emails being sent in the background (shutdown, tests).
func (s *Service) WaitMail() { s.mailWG.Wait() }

// checkCode verifies and spends a code. Every failure answers the same.
func (s *Service) checkCode(ctx context.Context, u *core.User, purpose, code string) error {
	code = strings.TrimSpace(code)
	if u == nil {
		_ = s.codeHash(purpose, "dummy", code) // same work as a real check
		return errBadCode
	}
	c, err := s.accounts.FindActiveAuthCode(ctx, u.ID, purpose)
	if core.ErrorCode(err) == core.ENOTFOUND {
		_ = s.codeHash(purpose, u.ID, code)
		return errBadCode
	} else if err != nil {
		return err
	}
	if !hmac.Equal([]byte(s.codeHash(purpose, u.ID, code)), []byte(c.CodeHash)) {
		n, err := s.accounts.CountAuthCodeAttempt(ctx, c.ID)
		if err != nil {
			return err
		}
		if n >= CodeMaxAttempts {
			_ = s.accounts.UseAuthCode(ctx, c.ID) // burnt: too many guesses
		}
		return errBadCode
	}
	if err := s.accounts.UseAuthCode(ctx, c.ID); core.ErrorCode(err) == core.ECONFLICT {
		return errBadCode
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Service) findByEmail(ctx context.Context, email string) (*core.User, error) {
	u, err := s.users.FindUserByEmail(ctx, core.NormalizeEmail(email))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, nil
	}
	if err == nil && u.IsLocal {
		return nil, nil
	}
	return u, err
}

// VerifyEmail confirms an address with the code mailed at registration.
func (s *Service) VerifyEmail(ctx context.Context, email, code string) error {
	u, err := s.findByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := s.checkCode(ctx, u, core.CodeVerifyEmail, code); err != nil {
		if u != nil {
			s.audit(ctx, "email.verify_failed", u.ID, nil)
		}
		return err
	}
	verified := true
	if _, err := s.updateUser(ctx, u.ID, core.UserUpdate{EmailVerified: &verified}); err != nil {
		return err
	}
	s.audit(ctx, "email.verified", u.ID, nil)
	return nil
}

// ResendVerification mails a new code if the account exists and is not
// verified yet; it answers the same either way.
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	u, err := s.findByEmail(ctx, email)
	if err != nil || u == nil || u.EmailVerified {
		return err
	}
	s.sendCode(ctx, u, core.CodeVerifyEmail)
	return nil
}

// ForgotPassword mails a reset code if the account exists; it answers the
// same either way.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	u, err := s.findByEmail(ctx, email)
	if err != nil || u == nil {
		return err
	}
	s.audit(ctx, "password.reset_requested", u.ID, nil)
	s.sendCode(ctx, u, core.CodeResetPassword)
	return nil
}

// ResetPassword sets a new password with a mailed code. Every token of the
// user is voided: access tokens by the token version, refresh tokens by
// revocation.
func (s *Service) ResetPassword(ctx context.Context, email, code, newPassword string) error {
	if err := ValidatePassword("new_password", newPassword); err != nil {
		return err
	}
	u, err := s.findByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := s.checkCode(ctx, u, core.CodeResetPassword, code); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(newPassword), s.cost)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	h, verified := string(hash), true // the code proved the address
	if _, err := s.updateUser(ctx, u.ID, core.UserUpdate{PasswordHash: &h, EmailVerified: &verified, BumpTokens: true}); err != nil {
		return err
	}
	if err := s.revokeUserSessions(ctx, u.ID); err != nil {
		return err
	}
	s.audit(ctx, "password.reset", u.ID, nil)
	return nil
}

// ChangePassword replaces the caller's password after checking the current
// one; every other session ends and a fresh one is returned.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, device string) (*Session, error) {
	u, err := core.RequireSelf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash == "" {
		return nil, core.Errorf(core.EINVALID, "This profile has no password.")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		s.audit(ctx, "password.change_failed", u.ID, nil)
		return nil, core.FieldError("current_password", "The current password is not correct.")
	}
	if err := ValidatePassword("new_password", next); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), s.cost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	h := string(hash)
	u, err = s.updateUser(ctx, u.ID, core.UserUpdate{PasswordHash: &h, BumpTokens: true})
	if err != nil {
		return nil, err
	}
	if err := s.revokeUserSessions(ctx, u.ID); err != nil {
		return nil, err
	}
	s.audit(ctx, "password.changed", u.ID, nil)
	return s.startSession(ctx, u, device)
}

// ProfileUpdate changes the caller's names.
type ProfileUpdate struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
}

// UpdateProfile changes the caller's own account.
func (s *Service) UpdateProfile(ctx context.Context, userID string, in ProfileUpdate) (*core.User, error) {
	u, err := core.RequireSelf(ctx, userID)
	if err != nil {
		return nil, err
	}
	upd := core.UserUpdate{}
	if in.FirstName != nil {
		v := strings.TrimSpace(*in.FirstName)
		if err := core.ValidateName("first_name", v); err != nil {
			return nil, err
		}
		upd.FirstName = &v
	}
	if in.LastName != nil {
		v := strings.TrimSpace(*in.LastName)
		if v != "" || !u.IsLocal {
			if err := core.ValidateName("last_name", v); err != nil {
				return nil, err
			}
		}
		upd.LastName = &v
	}
	return s.updateUser(ctx, u.ID, upd)
}

// DeleteUser removes the caller's account, every row they own and their
// stored files. Their tokens die with the user row.
func (s *Service) DeleteUser(ctx context.Context, userID string) error {
	u, err := core.RequireSelf(ctx, userID)
	if err != nil {
		return err
	}
	for _, hook := range s.OnDeleteUser {
		if err := hook(ctx, u.ID); err != nil {
			return err
		}
	}
	err = s.accounts.DeleteUser(ctx, u.ID)
	s.userCache.forget(u.ID)
	if err != nil {
		return err
	}
	s.sessions.revoke("", u.ID, s.deadUntil(s.now()))
	s.audit(ctx, "user.deleted", "", nil) // no identifiers of a deleted user
	return nil
}

// Sessions lists the caller's signed-in devices, marking the current one.
func (s *Service) Sessions(ctx context.Context) ([]*core.Session, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.accounts.FindSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	cur := core.ClientFromContext(ctx).SessionID
	for _, x := range list {
		x.Current = x.ID == cur
	}
	return list, nil
}

// RevokeSession signs one of the caller's devices out; another user's
// session is not_found.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return err
	}
	owner, err := s.accounts.FindRefreshFamilyOwner(ctx, sessionID)
	if err != nil {
		return err
	}
	if owner != u.ID {
		return core.Errorf(core.ENOTFOUND, "Session not found.")
	}
	if err := s.revokeFamily(ctx, sessionID, u.ID); err != nil {
		return err
	}
	s.audit(ctx, "session.revoked", u.ID, map[string]any{"session_id": sessionID})
	return nil
}

// AuditLog returns the caller's recent auth events.
func (s *Service) AuditLog(ctx context.Context, userID string, limit int) ([]*core.AuditEntry, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	return s.accounts.FindAuditEntries(ctx, userID, limit)
}

// audit records an auth event with the caller's address; failures to
// write it are logged, never fatal to the request.
func (s *Service) audit(ctx context.Context, event, userID string, details map[string]any) {
	if s.accounts == nil {
		return
	}
	c := core.ClientFromContext(ctx)
	e := &core.AuditEntry{UserID: userID, Event: event, IP: c.IP, UserAgent: c.UserAgent, Details: details}
	if err := s.accounts.CreateAuditEntry(context.WithoutCancel(ctx), e); err != nil {
		s.logger.Error("audit log write failed", slog.String("event", event), slog.Any("error", err))
	}
	s.logger.Info("auth event", slog.String("event", event), slog.String("user_id", userID), slog.String("ip", c.IP))
}
