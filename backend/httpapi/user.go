package httpapi

import (
	"net/http"

	"sentry/backend/auth"
	"sentry/backend/core"
)

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	var in auth.RegisterInput
	if err := decodeInto(w, r, &in, "email", "password", "first_name", "last_name"); err != nil {
		s.writeError(w, r, err)
		return
	}
	keys := throttleKeys(r)
	if err := s.AuthFailures.Check(keys...); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Auth.Register(r.Context(), in)
	if err != nil {
		if core.ErrorCode(err) == core.ECONFLICT {
			s.failed(keys) // probing for registered emails costs attempts
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := core.RequireSelf(r.Context(), r.PathValue("user_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeInto(w, r, &in, "email", "password"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Email == "" {
		s.writeError(w, r, core.FieldError("email", "Email is required."))
		return
	}
	if in.Password == "" {
		s.writeError(w, r, core.FieldError("password", "Password is required."))
		return
	}
	// Reserved before the password is checked: see account.go.
	res, keys, err := s.reserveLogin(r, in.Email, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer res.Release()
	sess, err := s.Auth.Login(r.Context(), in.Email, in.Password, r.UserAgent())
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			failedAttempt(res)
		}
		s.writeError(w, r, err)
		return
	}
	s.signedIn(w, r, in.Email, keys)
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := decodeInto(w, r, &in, "refresh_token"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.RefreshToken == "" {
		s.writeError(w, r, core.FieldError("refresh_token", "refresh_token is required."))
		return
	}
	keys := throttleKeys(r)
	if err := s.AuthFailures.Check(keys...); err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, err := s.Auth.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			s.failed(keys)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := decodeInto(w, r, &in, "refresh_token"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Auth.Logout(r.Context(), in.RefreshToken); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleLocalSession signs in the desktop's local profile. It exists only
// in the desktop's in-process handler, which no other program can reach.
func (s *Server) handleLocalSession(w http.ResponseWriter, r *http.Request) {
	if !s.Desktop || s.LocalUser == nil {
		s.writeError(w, r, core.Errorf(core.ENOTFOUND, "No local profile on this server; sign in instead."))
		return
	}
	u, err := s.LocalUser(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, err := s.Auth.StartSession(r.Context(), u, "desktop")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}
