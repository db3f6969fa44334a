package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"sentry/backend/core"
)

type ctxKey int

const requestIDKey ctxKey = iota

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// statusWriter records the status code and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, then logs and measures it by route.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		ctx = core.NewContextWithClient(ctx, core.Client{IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent())})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		took := time.Since(start)
		route := r.Pattern // set by the mux on this same request
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(r.Method, route, sw.status, took)
		if strings.HasPrefix(route, "GET /metrics") {
			return
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		} else if !strings.Contains(route, "/api/") && route != "GET /health" {
			level = slog.LevelDebug // static files
		}
		// Only the path: query strings may carry search terms or cursors.
		s.logger.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("route", route),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.String("remote_ip", s.clientIP(r)),
			slog.String("user_id", core.UserIDFromContext(r.Context())))
	})
}

// recoverer turns a panic into a logged 500 JSON error.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("panic serving request", slog.String("path", r.URL.Path), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				writeJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Code: core.EINTERNAL, Message: "Internal error."}})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate requires a valid bearer access token and puts its user in
// the request context.
func (s *Server) authenticate(next handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		h := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if h == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sentry"`)
			return core.Errorf(core.EUNAUTHORIZED, "Sign in to continue: this request needs an access token.")
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sentry"`)
			return core.Errorf(core.EUNAUTHORIZED, "Use an Authorization: Bearer <access token> header.")
		}
		u, sid, err := s.Auth.AuthenticateSession(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if core.ErrorCode(err) == core.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sentry", error="invalid_token"`)
			}
			return err
		}
		if s.APILimit != nil {
			if err := s.APILimit.Allow(u.ID); err != nil {
				return err
			}
		}
		ctx := core.NewContextWithUser(r.Context(), u)
		c := core.ClientFromContext(ctx)
		c.SessionID = sid
		*r = *r.WithContext(core.NewContextWithClient(ctx, c))
		return next(w, r)
	}
}

// clientIP is the peer address, or the X-Forwarded-For hop written by a
// trusted proxy. The desktop's in-process handler has no peer: the
// window's web view makes an address up (a documentation one), which
// would show as the place a device signed in from, so it has none.
func (s *Server) clientIP(r *http.Request) string {
	if s.Desktop {
		return ""
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	// Walk X-Forwarded-For from the right, skipping trusted proxies.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// cors answers cross-origin requests from the allow-listed origins only;
// others get no CORS headers, so browsers refuse them.
func (s *Server) cors(next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range s.AllowedOrigins {
		allowed[strings.TrimSuffix(o, "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			w.Header().Add("Vary", "Origin")
		}
		if origin == "" || !allowed[origin] {
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.WriteHeader(http.StatusNoContent) // preflight from an unknown origin: no grant
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func truncateUA(s string) string {
	if len(s) > 300 {
		return s[:300]
	}
	return s
}
