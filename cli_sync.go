package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sentry/backend/core"
	"sentry/sync/client"
)

const syncUsage = `Usage:
  sentry sync connect URL --email E --password-stdin
  sentry sync now [--json]
  sentry sync status [--json]
  sentry sync conflicts [--json]
  sentry sync keep CONFLICT_ID kept|lost
  sentry sync rejected [--json]
  sentry sync disconnect
Every command takes --data DIR (or SENTRY_DATA_DIR) and syncs that folder's local
profile with a team server. 'sync now' exits 0 once everything is sent and received,
and 1 with the reason when the server can't be reached (nothing is lost; run it again).`

// stdin is where --password-stdin reads (tests replace it).
var stdin io.Reader = os.Stdin

// runSync is sync from the shell: connect a data folder to a team server,
// sync it now, and see where it stands.
func runSync(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(stderr, syncUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	fs := newFlagSet("sync "+sub, "Sync with a team server.", stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, syncUsage) }
	asJSON := fs.Bool("json", false, "print JSON")
	email := fs.String("email", "", "your account's email on the team server")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (one line)")
	pos, code, ok := parseInterleaved(fs, args[1:])
	if !ok {
		return code
	}
	want := map[string]int{"connect": 1, "now": 0, "status": 0, "conflicts": 0, "keep": 2, "rejected": 0, "disconnect": 0}
	n, known := want[sub]
	if !known {
		fmt.Fprintf(stderr, "sentry sync: unknown command %q\n\n%s\n", sub, syncUsage)
		return 2
	}
	if len(pos) != n {
		fmt.Fprintf(stderr, "sentry sync %s: expected %d argument(s), got %d\n\n%s\n", sub, n, len(pos), syncUsage)
		return 2
	}
	var password string
	if sub == "connect" {
		if *email == "" || !*pwStdin {
			fmt.Fprintf(stderr, "sentry sync connect: give --email and --password-stdin (the password on standard input)\n")
			return 2
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintf(stderr, "sentry sync connect: read the password: %v\n", err)
			return 1
		}
		if password = strings.TrimRight(line, "\r\n"); password == "" {
			fmt.Fprintf(stderr, "sentry sync connect: no password on standard input\n")
			return 2
		}
	}
	a, uctx, code, ok := localApp(ctx, fs, nil, stderr, getenv)
	if !ok {
		return code
	}
	defer a.Close()
	eng, err := a.NewSyncEngine(uctx, nil)
	if err != nil {
		fmt.Fprintf(stderr, "sentry sync %s: %s\n", sub, core.ErrorMessage(err))
		return 1
	}
	fail := func(err error) int {
		var se *client.Error
		msg := core.ErrorMessage(err)
		if errors.As(err, &se) {
			msg = se.Message
			if se.Status == 401 {
				msg += " with 'sentry sync connect'"
			}
		}
		if errors.Is(err, client.ErrNotConnected) {
			msg = "this folder is not connected to a team server; run 'sentry sync connect URL --email E --password-stdin'"
		}
		fmt.Fprintf(stderr, "sentry sync %s: %s\n", sub, oneLine(msg))
		return 1
	}
	switch sub {
	case "connect":
		b, err := eng.Connect(uctx, pos[0], *email, password)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, b)
		}
		fmt.Fprintf(stdout, "Connected to %s. Run 'sentry sync now' to sync.\n", b.ServerURL)
		return 0
	case "now":
		r, err := eng.SyncNow(uctx)
		if err != nil {
			st, _ := eng.Status(uctx)
			if st.Pending > 0 && !errors.Is(err, client.ErrNotConnected) {
				fmt.Fprintf(stderr, "sentry sync now: %s (%d %s kept here, sent next time)\n", oneLine(errText(err)), st.Pending, plural(st.Pending, "change", "changes"))
				return 1
			}
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, r)
		}
		fmt.Fprintf(stdout, "Synced: %d sent, %d received, %d pending", r.Pushed, r.Pulled, r.Pending)
		if r.Rejected > 0 {
			fmt.Fprintf(stdout, ", %d refused (see 'sentry sync rejected')", r.Rejected)
		}
		if r.Conflicts > 0 {
			fmt.Fprintf(stdout, ", %d %s (see 'sentry sync conflicts')", r.Conflicts, plural(r.Conflicts, "conflict", "conflicts"))
		}
		if r.BlobsSent+r.BlobsReceived > 0 {
			fmt.Fprintf(stdout, "; files: %d sent, %d received", r.BlobsSent, r.BlobsReceived)
		}
		if r.BlobsPending > 0 {
			fmt.Fprintf(stdout, "; %d %s still to move", r.BlobsPending, plural(r.BlobsPending, "file", "files"))
			if r.BlobError != "" {
				fmt.Fprintf(stdout, " (%s)", oneLine(r.BlobError))
			}
		}
		fmt.Fprintln(stdout, ".")
		return 0
	case "status":
		st, err := eng.Status(uctx)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, st)
		}
		printSyncStatus(stdout, st)
		return 0
	case "conflicts":
		list, err := eng.Conflicts(uctx)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, map[string]any{"conflicts": list})
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "No conflicts.")
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROW\tFIELD\tKEPT\tLOST")
		for _, c := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortID(c.ID), shortID(c.RowID), c.Field, showValue(c.WinnerValue), showValue(c.LoserValue))
		}
		tw.Flush()
		fmt.Fprintln(stdout, "Settle one with 'sentry sync keep ID kept' (leave it as it is) or 'sentry sync keep ID lost' (bring the other value back).")
		return 0
	case "keep":
		which := map[string]string{"kept": "winner", "winner": "winner", "lost": "loser", "loser": "loser"}[pos[1]]
		if which == "" {
			fmt.Fprintf(stderr, "sentry sync keep: say which value to keep: kept (as it is) or lost (the other one), not %q\n", pos[1])
			return 2
		}
		if err := eng.KeepByID(uctx, pos[0], which); err != nil {
			return fail(err)
		}
		if which == "winner" {
			fmt.Fprintln(stdout, "Settled: the value stays as it is, and your other devices see it settled at the next sync.")
		} else {
			fmt.Fprintln(stdout, "Settled: the other value is back, and goes to your other devices at the next sync.")
		}
		return 0
	case "rejected":
		list, err := eng.Rejected(uctx)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, map[string]any{"rejected": list})
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "No refused changes.")
			return 0
		}
		for _, r := range list {
			fmt.Fprintf(stdout, "%s %s %s: %s (%s)\n", r.RejectedAt.Local().Format("2006-01-02 15:04"), r.Op, shortID(r.RowID), r.Message, r.Code)
		}
		return 0
	case "disconnect":
		if err := a.DB.ForgetSync(uctx); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "Disconnected; your data stays in this folder.")
		return 0
	}
	return 2
}

func errText(err error) string {
	var se *client.Error
	if errors.As(err, &se) {
		return se.Message
	}
	return core.ErrorMessage(err)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func showValue(v any) string {
	if v == nil {
		return "(empty)"
	}
	s := fmt.Sprint(v)
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}

func printSyncStatus(w io.Writer, st client.Status) {
	if st.State == client.StateOff {
		fmt.Fprintln(w, "Not connected to a team server.")
		if st.Pending > 0 {
			fmt.Fprintf(w, "%d local %s will be sent once connected.\n", st.Pending, plural(st.Pending, "change", "changes"))
		}
		return
	}
	fmt.Fprintf(w, "%s — %s\n", st.Label, st.Server)
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "Pending: %d  Refused: %d  Conflicts: %d\n", st.Pending, st.Rejected, st.Conflicts)
	fmt.Fprintf(w, "Last sent: %s  Last received: %s\n", when(st.LastPushAt), when(st.LastPullAt))
	if st.BlobUploadsPending+st.BlobDownloadsPending > 0 {
		fmt.Fprintf(w, "Files to move: %d to send, %d to fetch\n", st.BlobUploadsPending, st.BlobDownloadsPending)
	}
	if st.BlobsOnServer > 0 {
		fmt.Fprintf(w, "On the team server until opened: %d large %s (%s)\n", st.BlobsOnServer, plural(st.BlobsOnServer, "file", "files"), byteSize(st.BlobsOnServerBytes))
	}
	if len(st.Teams) > 0 {
		fmt.Fprintf(w, "Teams: %s\n", strings.Join(st.Teams, ", "))
	}
	if st.Stuck != "" {
		fmt.Fprintln(w, st.Stuck)
	}
	if st.LastError != "" {
		fmt.Fprintf(w, "Last error: %s\n", st.LastError)
	}
}

// byteSize is a size for people: 512 bytes, 3.4 MB, 1.2 GB.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}
