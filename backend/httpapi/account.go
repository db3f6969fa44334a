package httpapi

import (
	"crypto/rand"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/ratelimit"
)

type message struct {
	Message string `json:"message"`
}

// auditPage is a page of the account's audit log.
type auditPage struct {
	Events []*core.AuditEntry `json:"events"`
}

// sessionList is the account's signed-in devices.
type sessionList struct {
	Sessions []*core.Session `json:"sessions"`
}

// Throttling the auth endpoints. Failures are counted per key in a
// sliding window of 5 minutes (ratelimit.Failures); a key at its limit
// answers 429 with Retry-After. The keys, and why each exists:
//
//	ip:<addr>             every counted request from one address, across the
//	                      whole auth surface: failed sign-ins, codes and
//	                      every mail sent (20). Stops one source spraying
//	                      many accounts or bombing mailboxes.
//	login:<email>|<src>   wrong passwords at one account from one source (5).
//	                      The source is the address, or the device for a
//	                      known device (below). This is the limit a guesser
//	                      meets; it never touches anyone else's source.
//	acct:<email>          wrong passwords at one account from anywhere (20):
//	                      a ceiling on guessing spread over many addresses.
//	                      The owner's known devices are exempt from it.
//	code:<email>|<addr>   wrong mailed codes (verify, reset) for one account
//	                      from one address (5); each code also burns after
//	                      5 wrong tries.
//	mail:<email>          codes mailed to one address (5), so nobody floods
//	                      a mailbox from many addresses.
//
// So nobody but the owner can lock the owner out: reset requests and wrong
// codes are never login failures, and wrong passwords from elsewhere fill
// only their own sources' counters and the account's ceiling, which a
// known device skips. A device is known when it carries the signed cookie
// set at an earlier sign-in to that account (then only its own login key
// applies), or when its address is that of one of the account's live
// sessions (then its address keys still apply). Only a device that is
// neither can be kept waiting, and only while a distributed attack keeps
// the ceiling full. Every attempt is reserved before the secret is checked
// (parallel attempts count while in flight) and every failure is padded
// with a short random delay.

// newAuthFailures is the default throttle, with the limits above: in
// this process, or in store when several servers share it.
func newAuthFailures(store core.AttemptStore, logger *slog.Logger) ratelimit.Throttle {
	prefixMax := map[string]int{"ip": 20, "acct": 20}
	if store != nil {
		f := ratelimit.NewShared(store, 5, 5*time.Minute, logger)
		f.PrefixMax = prefixMax
		return f
	}
	f := ratelimit.NewFailures(5, 5*time.Minute)
	f.PrefixMax = prefixMax
	return f
}

// throttleKeys are the counters of an auth request that names no
// account (registration, refresh, OAuth): its address.
func throttleKeys(r *http.Request) []string {
	return []string{"ip:" + core.ClientFromContext(r.Context()).IP}
}

// accountKey is the part of a key that names an account. Longer inputs
// cannot be an account's address; cutting them bounds the keys' memory.
func accountKey(email string) string {
	e := core.NormalizeEmail(email)
	if len(e) > 254 {
		e = e[:254]
	}
	return e
}

// reserveLogin reserves one password attempt at email (sign-in or
// password change) before the password is checked.
func (s *Server) reserveLogin(r *http.Request, email string, ceiling bool) (*ratelimit.Reservation, []string, error) {
	acct, ip := accountKey(email), core.ClientFromContext(r.Context()).IP
	if c, err := r.Cookie(auth.DeviceCookie); err == nil {
		if dev, ok := s.Auth.KnownDevice(c.Value, acct); ok {
			key := "login:" + acct + "|dev:" + dev
			res, err := s.AuthFailures.Reserve(key)
			return res, []string{key}, err
		}
	}
	keys := []string{"ip:" + ip, "login:" + acct + "|" + ip}
	// The ceiling is skipped from a known address. Looking that up costs
	// two reads, so only when the ceiling would refuse.
	if ceiling {
		if !s.AuthFailures.Limited("acct:" + acct) {
			keys = append(keys, "acct:"+acct)
		} else if known, err := s.Auth.KnownAddress(r.Context(), acct, ip); err != nil {
			return nil, nil, err
		} else if !known {
			keys = append(keys, "acct:"+acct)
		}
	}
	res, err := s.AuthFailures.Reserve(keys...)
	return res, keys, err
}

// signedIn clears the source's login counter after a right password and
// marks the device as known to the account.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, email string, keys []string) {
	for _, k := range keys {
		if strings.HasPrefix(k, "login:") {
			s.AuthFailures.Reset(k)
		}
	}
	prev := ""
	if c, err := r.Cookie(auth.DeviceCookie); err == nil {
		prev = c.Value
	}
	v, err := s.Auth.RememberDevice(prev, accountKey(email))
	if err != nil {
		s.logger.Error("remember device", slog.Any("error", err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.DeviceCookie, Value: v, Path: "/api/auth/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")})
}

// reserveCode reserves one try of a mailed code for email.
func (s *Server) reserveCode(r *http.Request, email string) (*ratelimit.Reservation, error) {
	ip := core.ClientFromContext(r.Context()).IP
	return s.AuthFailures.Reserve("ip:"+ip, "code:"+accountKey(email)+"|"+ip)
}

// failed charges a failure and pads the answer with a little random delay,
// so timing doesn't tell one kind of failure from another.
func (s *Server) failed(keys []string) {
	s.AuthFailures.Fail(keys...)
	pause()
}

// failedAttempt turns a reservation into a failure, with the same delay.
func failedAttempt(res *ratelimit.Reservation) {
	res.Fail()
	pause()
}

func pause() {
	n, _ := rand.Int(rand.Reader, big.NewInt(40))
	time.Sleep(time.Duration(10+n.Int64()) * time.Millisecond)
}

// Account request bodies.
type (
	verifyEmailRequest struct {
		Email string `json:"email"`
		Code  string `json:"code"`
	}
	emailRequest struct {
		Email string `json:"email"`
	}
	resetPasswordRequest struct {
		Email       string `json:"email"`
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	passwordChange struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
)

func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	var in verifyEmailRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	res, err := s.reserveCode(r, in.Email)
	if err != nil {
		return err
	}
	defer res.Release()
	if err := s.Auth.VerifyEmail(r.Context(), in.Email, in.Code); err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			failedAttempt(res)
		}
		return err
	}
	writeJSON(w, http.StatusOK, message{"Your email is confirmed."})
	return nil
}

// emailOnly handles the two "mail me a code" endpoints, which answer the
// same whether or not the account exists.
func (s *Server) emailOnly(w http.ResponseWriter, r *http.Request, do func(r *http.Request, email string) error, answer string) error {
	var in emailRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if err := core.ValidateEmail(core.NormalizeEmail(in.Email)); err != nil {
		return err
	}
	// Every request sends mail (or would): each counts against the
	// address and the mailbox, never against signing in.
	res, err := s.AuthFailures.Reserve("ip:"+core.ClientFromContext(r.Context()).IP, "mail:"+accountKey(in.Email))
	if err != nil {
		return err
	}
	res.Fail()
	if err := do(r, in.Email); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, message{answer})
	return nil
}

func (s *Server) handleResendVerification(w http.ResponseWriter, r *http.Request) error {
	return s.emailOnly(w, r, func(r *http.Request, email string) error { return s.Auth.ResendVerification(r.Context(), email) },
		"If that account exists and is not confirmed yet, we sent it a new code.")
}

func (s *Server) handleForgotPassword(w http.ResponseWriter, r *http.Request) error {
	return s.emailOnly(w, r, func(r *http.Request, email string) error { return s.Auth.ForgotPassword(r.Context(), email) },
		"If that account exists, we sent it a code to reset the password.")
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) error {
	var in resetPasswordRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	res, err := s.reserveCode(r, in.Email)
	if err != nil {
		return err
	}
	defer res.Release()
	if err := s.Auth.ResetPassword(r.Context(), in.Email, in.Code, in.NewPassword); err != nil {
		if core.ErrorField(err) == "code" {
			failedAttempt(res)
		}
		return err
	}
	writeJSON(w, http.StatusOK, message{"Your password is changed. Sign in with the new one."})
	return nil
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("user_id")
	if _, err := core.RequireSelf(r.Context(), userID); err != nil {
		return err
	}
	var in auth.ProfileUpdate
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	u, err := s.Auth.UpdateProfile(r.Context(), userID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.DeleteUser(r.Context(), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("user_id")
	u, err := core.RequireSelf(r.Context(), userID)
	if err != nil {
		return err
	}
	var in passwordChange
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	// The caller is signed in already: no account ceiling, only its own
	// source's counters.
	res, _, err := s.reserveLogin(r, u.Email, false)
	if err != nil {
		return err
	}
	defer res.Release()
	sess, err := s.Auth.ChangePassword(r.Context(), userID, in.CurrentPassword, in.NewPassword, r.UserAgent())
	if err != nil {
		if core.ErrorField(err) == "current_password" {
			failedAttempt(res)
		}
		return err
	}
	writeJSON(w, http.StatusOK, sess)
	return nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return core.FieldError("limit", "Limit must be between 1 and 500.")
		}
		limit = n
	}
	list, err := s.Auth.AuditLog(r.Context(), r.PathValue("user_id"), limit)
	if err != nil {
		return err
	}
	if s.Desktop {
		// Kept before the desktop stopped recording one: made up (clientIP).
		for _, e := range list {
			e.IP = ""
		}
	}
	writeJSON(w, http.StatusOK, auditPage{Events: list})
	return nil
}

func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Auth.Sessions(r.Context())
	if err != nil {
		return err
	}
	if s.Desktop {
		for _, ss := range list {
			ss.IP = ""
		}
	}
	writeJSON(w, http.StatusOK, sessionList{Sessions: list})
	return nil
}

func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.RevokeSession(r.Context(), r.PathValue("session_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
