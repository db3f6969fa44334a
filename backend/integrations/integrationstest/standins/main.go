// Command standins runs the provider stand-ins of package integrationstest
// as an HTTP server, for tests outside go test (the browser end-to-end
// test): the OAuth 2.0 server with a consent page, Google Tasks v1, Google
// Calendar v3, Zoom v2 and the /admin/ routes. It seeds one Google task,
// one Zoom meeting and one calendar event, prints its base URL on the first
// line of its output, and runs until interrupted.
//
//	standins [-addr 127.0.0.1:0] [-auto-approve]
//
// Point a server at it with the stand-in client id and secret
// (integrationstest.ClientID, ClientSecret) and these URLs under the base:
// /oauth/authorize, /oauth/token, /oauth/revoke, /tasks/v1, /calendar/v3, /v2.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sentry/backend/integrations/integrationstest"
)

// Seeded data, which the end-to-end test looks for.
const (
	SeedTaskTitle    = "Review the stand-in budget"
	SeedMeetingTopic = "Stand-in design review"
	SeedEventSummary = "Stand-in planning meeting"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	auto := flag.Bool("auto-approve", false, "approve authorization requests at once instead of showing the consent page")
	flag.Parse()
	s, err := integrationstest.Listen(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "standins:", err)
		os.Exit(1)
	}
	s.ConsentPage = !*auto
	seed(s, time.Now().UTC())
	fmt.Println(s.URL)
	fmt.Fprintf(os.Stderr, "standins: client id %q, secret %q; consent page %v\n", integrationstest.ClientID, integrationstest.ClientSecret, s.ConsentPage)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	s.Close()
}

func seed(s *integrationstest.Server, now time.Time) {
	due := now.AddDate(0, 0, 3).Format("2006-01-02") + "T00:00:00.000Z"
	s.PutTask(s.DefaultTaskList(), integrationstest.Task{Title: SeedTaskTitle, Notes: "Seeded by the stand-in.", Due: &due})
	start := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	s.PutMeeting(integrationstest.Meeting{Topic: SeedMeetingTopic, StartTime: start.Format(time.RFC3339), Duration: 45,
		Agenda: "Seeded by the stand-in.", Invitees: []string{"ada@example.com"}})
	s.PutEvent(integrationstest.Event{Summary: SeedEventSummary,
		Start: integrationstest.EventTime{DateTime: start.Add(4 * time.Hour).Format(time.RFC3339)},
		End:   integrationstest.EventTime{DateTime: start.Add(5 * time.Hour).Format(time.RFC3339)}})
}
