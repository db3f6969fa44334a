package integrations_test

import (
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/integrations/integrationstest"
)

func (e *env) meetings(source string) map[string]*core.Task {
	e.t.Helper()
	list, _, err := e.tasks.List(e.ctx, core.TaskFilter{UserID: e.user.ID, Source: source, TaskType: core.TaskTypeMeeting, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*core.Task{}
	for _, t := range list {
		out[t.SourceID] = t
	}
	return out
}

func at(t time.Time) integrationstest.EventTime {
	return integrationstest.EventTime{DateTime: t.Format(time.RFC3339), TimeZone: "Europe/Lisbon"}
}

func TestCalendarImportIncrementalWithCancellations(t *testing.T) {
	e := newEnv(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour).In(time.FixedZone("WEST", 3600))
	standup := e.stand.PutEvent(integrationstest.Event{Summary: "Standup", Start: at(start), End: at(start.Add(15 * time.Minute)),
		RecurringEventID: "std", HangoutLink: "https://meet.example/abc",
		Attendees: []integrationstest.Attendee{{Email: "me@example.com", Self: true, ResponseStatus: "accepted", Optional: true},
			{Email: "ana@example.com"}, {Email: "room-1@resource.example", Resource: true}}})
	review := e.stand.PutEvent(integrationstest.Event{Summary: "Design review", Location: "Room 4", Start: at(start.Add(2 * time.Hour)), End: at(start.Add(3 * time.Hour))})
	e.stand.PutEvent(integrationstest.Event{Summary: "Holiday", Start: integrationstest.EventTime{Date: start.Format("2006-01-02")},
		End: integrationstest.EventTime{Date: start.Add(24 * time.Hour).Format("2006-01-02")}})
	e.stand.PutEvent(integrationstest.Event{Summary: "Long ago", Start: at(time.Now().Add(-90 * 24 * time.Hour)), End: at(time.Now().Add(-90*24*time.Hour + time.Hour))})
	e.connect(core.IntegrationGoogleCalendar)

	res, err := e.svc.SyncGoogleCalendar(e.ctx, e.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pulled != 2 || res.Skipped != 1 || !res.Full {
		t.Fatalf("first import: %+v", res)
	}
	got := e.meetings(core.SourceCalendar)
	s := got[standup]
	if s == nil || s.TaskType != core.TaskTypeMeeting || !s.StartTime.Equal(start) || !s.EndTime.Equal(start.Add(15*time.Minute)) ||
		strings.Join(s.Attendees, ",") != "me@example.com,ana@example.com" || !s.IsOptional || !s.IsRecurring || s.MeetingURL != "https://meet.example/abc" {
		t.Fatalf("standup: %+v", s)
	}
	if r := got[review]; r == nil || r.Location != "Room 4" {
		t.Fatalf("review: %+v", r)
	}

	// Incremental: only what changed, by sync token.
	res, err = e.svc.SyncGoogleCalendar(e.ctx, e.user.ID)
	if err != nil || res.Pulled != 0 || res.Full {
		t.Fatalf("idle: %+v %v", res, err)
	}
	if last := e.stand.Requests[len(e.stand.Requests)-1]; !strings.Contains(last, "syncToken=") {
		t.Fatalf("not incremental: %s", last)
	}
	e.stand.PutEvent(integrationstest.Event{ID: review, Summary: "Design review (moved)", Start: at(start.Add(4 * time.Hour)), End: at(start.Add(5 * time.Hour))})
	e.stand.CancelEvent(standup)
	res, err = e.svc.SyncGoogleCalendar(e.ctx, e.user.ID)
	if err != nil || res.Pulled != 1 || res.Deleted != 1 {
		t.Fatalf("changes: %+v %v", res, err)
	}
	got = e.meetings(core.SourceCalendar)
	if got[standup] != nil {
		t.Fatal("cancelled event still a meeting")
	}
	if r := got[review]; r == nil || r.Title != "Design review (moved)" || !r.StartTime.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("moved: %+v", r)
	}

	// Declining removes it too; an expired sync token means a full listing,
	// which also drops events deleted meanwhile.
	e.stand.PutEvent(integrationstest.Event{ID: review, Summary: "Design review (moved)", Start: at(start.Add(4 * time.Hour)), End: at(start.Add(5 * time.Hour)),
		Attendees: []integrationstest.Attendee{{Email: "me@example.com", Self: true, ResponseStatus: "declined"}}})
	planning := e.stand.PutEvent(integrationstest.Event{Summary: "Planning", Start: at(start.Add(6 * time.Hour)), End: at(start.Add(7 * time.Hour))})
	res, err = e.svc.SyncGoogleCalendar(e.ctx, e.user.ID)
	if err != nil || res.Deleted != 1 || res.Pulled != 1 {
		t.Fatalf("declined: %+v %v", res, err)
	}
	e.stand.InvalidateSyncTokens()
	e.stand.DeleteEventForTest(planning)
	res, err = e.svc.SyncGoogleCalendar(e.ctx, e.user.ID)
	if err != nil || !res.Full || res.Deleted != 1 {
		t.Fatalf("after 410: %+v %v", res, err)
	}
	if len(e.meetings(core.SourceCalendar)) != 0 {
		t.Fatalf("left: %v", e.meetings(core.SourceCalendar))
	}
}

func TestZoomImportIsIdempotent(t *testing.T) {
	e := newEnv(t)
	start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	m1 := e.stand.PutMeeting(integrationstest.Meeting{Topic: "Client kickoff", StartTime: start.Format(time.RFC3339), Duration: 45,
		Agenda: "Scope and timeline", Invitees: []string{"client@example.com", "pm@example.com"}})
	m2 := e.stand.PutMeeting(integrationstest.Meeting{Topic: "Weekly sync", Type: 8, StartTime: start.Add(2 * time.Hour).Format(time.RFC3339), Duration: 30})
	e.stand.PutMeeting(integrationstest.Meeting{Topic: "Open room", Type: 3}) // no fixed time: not a meeting on the calendar
	e.stand.PutMeeting(integrationstest.Meeting{Topic: "Yesterday", StartTime: start.Add(-48 * time.Hour).Format(time.RFC3339), Duration: 30})
	e.connect(core.IntegrationZoom)

	res, err := e.svc.ImportZoomMeetings(e.ctx, e.user.ID)
	if err != nil || res.Pulled != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	id1 := itoa(m1)
	got := e.meetings(core.SourceZoom)
	k := got[id1]
	if k == nil || k.ZoomMeetingID != id1 || k.Description != "Scope and timeline" || !k.StartTime.Equal(start) ||
		!k.EndTime.Equal(start.Add(45*time.Minute)) || strings.Join(k.Attendees, ",") != "client@example.com,pm@example.com" ||
		!strings.Contains(k.MeetingURL, id1) {
		t.Fatalf("kickoff: %+v", k)
	}
	if w := got[itoa(m2)]; w == nil || !w.IsRecurring {
		t.Fatalf("weekly: %+v", w)
	}
	for i := 0; i < 2; i++ {
		res, err = e.svc.ImportZoomMeetings(e.ctx, e.user.ID)
		if err != nil || res.Pulled != 0 || res.Deleted != 0 {
			t.Fatalf("re-import %d: %+v %v", i, res, err)
		}
	}
	if n := len(e.meetings(core.SourceZoom)); n != 2 {
		t.Fatalf("%d meetings after re-imports", n)
	}
	// A change on Zoom updates the same task; a deleted meeting goes.
	e.stand.PutMeeting(integrationstest.Meeting{ID: m1, Topic: "Client kickoff", StartTime: start.Add(time.Hour).Format(time.RFC3339), Duration: 60})
	e.stand.DeleteMeeting(m2)
	res, err = e.svc.ImportZoomMeetings(e.ctx, e.user.ID)
	if err != nil || res.Pulled != 1 || res.Deleted != 1 {
		t.Fatalf("changes: %+v %v", res, err)
	}
	got = e.meetings(core.SourceZoom)
	if len(got) != 1 || got[id1].ID != k.ID || !got[id1].StartTime.Equal(start.Add(time.Hour)) {
		t.Fatalf("after changes: %+v", got)
	}
	// A meeting deleted here is not imported again.
	if err := e.tasks.Delete(e.ctx, e.user.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.ImportZoomMeetings(e.ctx, e.user.ID); err != nil || res.Pulled != 0 || len(e.meetings(core.SourceZoom)) != 0 {
		t.Fatalf("resurrected: %+v %v", res, err)
	}

	// Zoom rotates refresh tokens; a revoked grant asks for a reconnect.
	e.stand.RotateRefreshTokens = true
	e.stand.ExpireAccessTokens()
	if _, err := e.svc.ImportZoomMeetings(e.ctx, e.user.ID); err != nil {
		t.Fatal(err)
	}
	e.stand.RevokeAll()
	if _, err := e.svc.ImportZoomMeetings(e.ctx, e.user.ID); core.ErrorCode(err) != core.ERECONNECT || !strings.Contains(core.ErrorMessage(err), "Reconnect Zoom") {
		t.Fatalf("revoked: %v", err)
	}
	if st := e.status(core.IntegrationZoom); !st.NeedsReconnect {
		t.Fatalf("status: %+v", st)
	}
}

func itoa(n int64) string { return fmtInt(n) }

func fmtInt(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
