// Package mail sends email: over SMTP with STARTTLS when a server is
// configured, otherwise into an outbox folder of .eml files that the user
// (or a test) can open.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sentry/backend/core"
)

// SMTP sends through an SMTP server, upgrading with STARTTLS.
type SMTP struct {
	Addr     string // host:port
	Username string
	Password string
	From     string
	// TLS configures STARTTLS (ServerName defaults to the host).
	TLS *tls.Config
	// AllowPlain permits servers without STARTTLS; only for loopback.
	AllowPlain bool
	Timeout    time.Duration
}

// Send delivers m.
func (s *SMTP) Send(ctx context.Context, m core.Message) error {
	msg, err := compose(s.From, m)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("mail: smtp address %q: %w", s.Addr, err)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.Addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: greet %s: %w", s.Addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		cfg.MinVersion = tls.VersionTLS12
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", s.Addr, err)
		}
	} else if !s.AllowPlain {
		return fmt.Errorf("mail: %s does not offer STARTTLS; refusing to send in clear", s.Addr)
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("mail: sign in to %s: %w", s.Addr, err)
		}
	}
	from, _ := mail.ParseAddress(s.From)
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: end message: %w", err)
	}
	return c.Quit()
}

// Outbox writes messages as .eml files into Dir.
type Outbox struct {
	Dir    string
	From   string
	Logger *slog.Logger
}

// KeepsMail reports that an outbox delivers nothing: its messages stay in
// a folder on the server.
func (o *Outbox) KeepsMail() bool { return true }

// Send writes m to a new file in the outbox.
func (o *Outbox) Send(ctx context.Context, m core.Message) error {
	msg, err := compose(o.From, m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := time.Now().UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:]) + ".eml"
	path := filepath.Join(o.Dir, name)
	if err := os.WriteFile(path, msg, 0o600); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if o.Logger != nil {
		// The path, never the content: messages hold one-time codes.
		o.Logger.Info("no SMTP server configured; email written to the outbox", slog.String("path", path))
	}
	return nil
}

// compose builds an RFC 5322 message with a quoted-printable UTF-8 body.
func compose(from string, m core.Message) ([]byte, error) {
	fa, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", from, err)
	}
	ta, err := mail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(m.To, "\r\n") {
		return nil, errors.New("mail: invalid recipient")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: subject must be one line")
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "From: %s\r\n", fa.String())
	fmt.Fprintf(&buf, "To: %s\r\n", ta.String())
	fmt.Fprintf(&buf, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&buf, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&buf, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(b[:]), domainOf(fa.Address))
	buf.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&buf)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	buf.WriteString("\r\n")
	return buf.Bytes(), nil
}

func domainOf(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}

var (
	_ core.Mailer = (*SMTP)(nil)
	_ core.Mailer = (*Outbox)(nil)
)
