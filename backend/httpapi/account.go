package httpapi

import (
	"crypto/rand"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"sentry/backend/auth"
	"sentry/backend/core"
)

type message struct {
	Message string `json:"message"`
}

// throttleKeys are the counters an auth request is charged to.
func throttleKeys(r *http.Request, email string) []string {
	keys := []string{"ip:" + core.ClientFromContext(r.Context()).IP}
	if email != "" {
		keys = append(keys, "acct:"+core.NormalizeEmail(email))
	}
	return keys
}

// failed charges a failure and pads the answer with a little random delay,
// so timing doesn't tell one kind of failure from another.
func (s *Server) failed(keys []string) {
	s.AuthFailures.Fail(keys...)
	n, _ := rand.Int(rand.Reader, big.NewInt(40))
	time.Sleep(time.Duration(10+n.Int64()) * time.Millisecond)
}

func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
		Code  string `json:"code"`
	}
	if err := decodeInto(w, r, &in, "email", "code"); err != nil {
		s.writeError(w, r, err)
		return
	}
	keys := throttleKeys(r, in.Email)
	if err := s.AuthFailures.Check(keys...); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Auth.VerifyEmail(r.Context(), in.Email, in.Code); err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.failed(keys)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, message{"Your email is confirmed."})
}

// emailOnly handles the two "mail me a code" endpoints, which answer the
// same whether or not the account exists.
func (s *Server) emailOnly(w http.ResponseWriter, r *http.Request, do func(r *http.Request, email string) error, answer string) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeInto(w, r, &in, "email"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := core.ValidateEmail(core.NormalizeEmail(in.Email)); err != nil {
		s.writeError(w, r, err)
		return
	}
	keys := throttleKeys(r, in.Email)
	if err := s.AuthFailures.Check(keys...); err != nil {
		s.writeError(w, r, err)
		return
	}
	// Every request sends mail (or would): count each against the limit.
	s.AuthFailures.Fail(keys...)
	if err := do(r, in.Email); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, message{answer})
}

func (s *Server) handleResendVerification(w http.ResponseWriter, r *http.Request) {
	s.emailOnly(w, r, func(r *http.Request, email string) error { return s.Auth.ResendVerification(r.Context(), email) },
		"If that account exists and is not confirmed yet, we sent it a new code.")
}

func (s *Server) handleForgotPassword(w http.ResponseWriter, r *http.Request) {
	s.emailOnly(w, r, func(r *http.Request, email string) error { return s.Auth.ForgotPassword(r.Context(), email) },
		"If that account exists, we sent it a code to reset the password.")
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email       string `json:"email"`
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	if err := decodeInto(w, r, &in, "email", "code", "new_password"); err != nil {
		s.writeError(w, r, err)
		return
	}
	keys := throttleKeys(r, in.Email)
	if err := s.AuthFailures.Check(keys...); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Auth.ResetPassword(r.Context(), in.Email, in.Code, in.NewPassword); err != nil {
		if core.ErrorField(err) == "code" {
			s.failed(keys)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, message{"Your password is changed. Sign in with the new one."})
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("user_id")
	if _, err := core.RequireSelf(r.Context(), userID); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in auth.ProfileUpdate
	if err := decodeInto(w, r, &in, "first_name", "last_name"); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Auth.UpdateProfile(r.Context(), userID, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.DeleteUser(r.Context(), r.PathValue("user_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("user_id")
	u, err := core.RequireSelf(r.Context(), userID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := decodeInto(w, r, &in, "current_password", "new_password"); err != nil {
		s.writeError(w, r, err)
		return
	}
	keys := throttleKeys(r, u.Email)
	if err := s.AuthFailures.Check(keys...); err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, err := s.Auth.ChangePassword(r.Context(), userID, in.CurrentPassword, in.NewPassword, r.UserAgent())
	if err != nil {
		if core.ErrorField(err) == "current_password" {
			s.failed(keys)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.writeError(w, r, core.FieldError("limit", "Limit must be between 1 and 500."))
			return
		}
		limit = n
	}
	list, err := s.Auth.AuditLog(r.Context(), r.PathValue("user_id"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": list})
}

func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request) {
	list, err := s.Auth.Sessions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
}

func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.RevokeSession(r.Context(), r.PathValue("session_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
