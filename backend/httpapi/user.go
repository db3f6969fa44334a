package httpapi

import (
	"net/http"

	"sentry/backend/auth"
	"sentry/backend/core"
)

// loginRequest is the body of a sign-in.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// refreshRequest carries a refresh token to rotate or revoke.
type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	var in auth.RegisterInput
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	keys := throttleKeys(r)
	if err := s.AuthFailures.Check(keys...); err != nil {
		return err
	}
	u, err := s.Auth.Register(r.Context(), in)
	if err != nil {
		if core.ErrorCode(err) == core.ECONFLICT {
			s.failed(keys) // probing for registered emails costs attempts
		}
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireSelf(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if in.Email == "" {
		return core.FieldError("email", "Email is required.")
	}
	if in.Password == "" {
		return core.FieldError("password", "Password is required.")
	}
	// Reserved before the password is checked: see account.go.
	res, keys, err := s.reserveLogin(r, in.Email, true)
	if err != nil {
		return err
	}
	defer res.Release()
	sess, err := s.Auth.Login(r.Context(), in.Email, in.Password, r.UserAgent())
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			failedAttempt(res)
		}
		return err
	}
	s.signedIn(w, r, in.Email, keys)
	writeJSON(w, http.StatusOK, sess)
	return nil
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	var in refreshRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return core.FieldError("refresh_token", "refresh_token is required.")
	}
	keys := throttleKeys(r)
	if err := s.AuthFailures.Check(keys...); err != nil {
		return err
	}
	sess, err := s.Auth.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			s.failed(keys)
		}
		return err
	}
	writeJSON(w, http.StatusOK, sess)
	return nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	var in refreshRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if err := s.Auth.Logout(r.Context(), in.RefreshToken); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleLocalSession signs in the desktop's local profile. It exists only
// in the desktop's in-process handler, which no other program can reach.
func (s *Server) handleLocalSession(w http.ResponseWriter, r *http.Request) error {
	if !s.Desktop || s.LocalUser == nil {
		return core.Errorf(core.ENOTFOUND, "No local profile on this server; sign in instead.")
	}
	u, err := s.LocalUser(r.Context())
	if err != nil {
		return err
	}
	sess, err := s.Auth.StartSession(r.Context(), u, "desktop")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sess)
	return nil
}
