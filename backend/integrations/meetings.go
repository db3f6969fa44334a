package integrations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sentry/backend/core"
)

// Calendar events and Zoom meetings are imported one way: the provider is
// the source of truth. A change there overwrites the local meeting; a
// cancellation there deletes it here; a meeting deleted here stays deleted
// (its link remembers it, so it is not imported again).

// Windows of a full calendar sync: recent history for workload figures,
// and the months ahead.
const (
	CalendarPast   = 30 * 24 * time.Hour
	CalendarFuture = 180 * 24 * time.Hour
)

const untitledMeeting = "Untitled meeting"

type gEventTime struct {
	DateTime string `json:"dateTime"`
	Date     string `json:"date"`
}

type gAttendee struct {
	Email          string `json:"email"`
	ResponseStatus string `json:"responseStatus"`
	Self           bool   `json:"self"`
	Optional       bool   `json:"optional"`
	Resource       bool   `json:"resource"`
}

type gEvent struct {
	ID               string      `json:"id"`
	Status           string      `json:"status"`
	Updated          string      `json:"updated"`
	Summary          string      `json:"summary"`
	Description      string      `json:"description"`
	Location         string      `json:"location"`
	Start            gEventTime  `json:"start"`
	End              gEventTime  `json:"end"`
	RecurringEventID string      `json:"recurringEventId"`
	Attendees        []gAttendee `json:"attendees"`
	HangoutLink      string      `json:"hangoutLink"`
	ConferenceData   struct {
		EntryPoints []struct {
			EntryPointType string `json:"entryPointType"`
			URI            string `json:"uri"`
		} `json:"entryPoints"`
	} `json:"conferenceData"`
}

// SyncGoogleCalendar imports the caller's primary calendar events as
// meetings: incrementally with the calendar's sync token; a full sync
// (first time, or when Google says the token expired) covers CalendarPast
// to CalendarFuture. Cancelled or declined events are removed; all-day
// events are not meetings and are skipped.
func (s *Service) SyncGoogleCalendar(ctx context.Context, userID string) (*SyncResult, error) {
	return s.run(ctx, userID, core.IntegrationGoogleCalendar, s.syncCalendar)
}

type importer struct {
	s        *Service
	res      *SyncResult
	userID   string
	provider string
	links    map[string]*core.IntegrationLink
}

func (s *Service) newImporter(ctx context.Context, x *session, res *SyncResult) (*importer, error) {
	list, err := s.store.FindIntegrationLinks(ctx, x.in.UserID, x.p.name)
	if err != nil {
		return nil, err
	}
	im := &importer{s: s, res: res, userID: x.in.UserID, provider: x.p.name, links: map[string]*core.IntegrationLink{}}
	for _, l := range list {
		im.links[l.RemoteID] = l
	}
	return im, nil
}

// upsert creates or updates the meeting of a provider object whose
// fingerprint is stamp.
func (im *importer) upsert(ctx context.Context, remoteID, listID, stamp string, t *core.Task) error {
	l := im.links[remoteID]
	if l != nil && l.TaskDeletedAt != nil {
		return nil // deleted here: stays deleted
	}
	if l != nil && l.RemoteUpdated == stamp {
		return nil
	}
	var saved *core.Task
	var err error
	if l == nil {
		saved, err = im.s.tasks.CreateFor(ctx, im.userID, t)
	} else {
		saved, err = im.s.tasks.Update(ctx, im.userID, l.TaskID, meetingUpdate(t))
	}
	if core.ErrorCode(err) == core.EINVALID {
		im.res.Skipped++
		return nil
	} else if err != nil {
		return err
	}
	im.res.Pulled++
	nl := &core.IntegrationLink{UserID: im.userID, Provider: im.provider, RemoteID: remoteID, RemoteListID: listID, TaskID: saved.ID,
		RemoteUpdated: stamp, LocalVersion: saved.Version, TaskVersion: saved.Version, TaskUpdatedAt: saved.UpdatedAt}
	if err := im.s.store.SaveIntegrationLink(ctx, nl); err != nil {
		return err
	}
	im.links[remoteID] = nl
	return nil
}

// remove deletes the meeting of a provider object that is gone.
func (im *importer) remove(ctx context.Context, remoteID string) error {
	l := im.links[remoteID]
	if l == nil {
		return nil
	}
	if l.TaskDeletedAt == nil {
		if err := im.s.tasks.Delete(ctx, im.userID, l.TaskID); err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
		im.res.Deleted++
	}
	if err := im.s.store.DeleteIntegrationLink(ctx, im.userID, im.provider, remoteID); err != nil {
		return err
	}
	delete(im.links, remoteID)
	return nil
}

// removeUnseen deletes linked meetings that a full listing no longer has,
// if they start after since.
func (im *importer) removeUnseen(ctx context.Context, seen map[string]bool, since time.Time) error {
	for _, l := range sortedLinks(im.links) {
		if seen[l.RemoteID] || l.TaskDeletedAt != nil {
			continue
		}
		t, err := im.s.tasks.Get(ctx, im.userID, l.TaskID)
		if core.ErrorCode(err) == core.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		if t.StartTime != nil && t.StartTime.After(since) {
			if err := im.remove(ctx, l.RemoteID); err != nil {
				return err
			}
		}
	}
	return nil
}

// meetingUpdate sets every field an import owns.
func meetingUpdate(t *core.Task) core.TaskUpdate {
	return core.TaskUpdate{Title: &t.Title, Description: &t.Description, Location: &t.Location, MeetingURL: &t.MeetingURL,
		Attendees: &t.Attendees, StartTime: core.Patch[time.Time]{Set: true, Value: *t.StartTime},
		EndTime: core.Patch[time.Time]{Set: true, Value: *t.EndTime}, IsOptional: &t.IsOptional, IsRecurring: &t.IsRecurring,
		ZoomMeetingID: &t.ZoomMeetingID, SourceID: &t.SourceID}
}

func (s *Service) syncCalendar(ctx context.Context, x *session, res *SyncResult) (string, error) {
	im, err := s.newImporter(ctx, x, res)
	if err != nil {
		return "", err
	}
	token := x.in.SyncCursor
	for attempt := 0; attempt < 2; attempt++ {
		res.Full = token == ""
		now := s.now().UTC()
		seen := map[string]bool{}
		next, err := x.events(ctx, token, now, func(ev gEvent) error {
			seen[ev.ID] = true
			return im.event(ctx, ev)
		})
		if httpStatus(err) == 410 && token != "" {
			token = "" // Google forgot our position: list everything again
			res.Pulled, res.Deleted, res.Skipped = 0, 0, 0
			continue
		} else if err != nil {
			return "", err
		}
		if res.Full {
			// A full listing omits events deleted meanwhile: remove those
			// still linked inside the window.
			if err := im.removeUnseen(ctx, seen, now.Add(-CalendarPast)); err != nil {
				return "", err
			}
		}
		return next, nil
	}
	return "", core.Errorf(core.EBADGATEWAY, "Google Calendar keeps refusing to sync; try again later.")
}

// events lists the primary calendar's events page by page and returns the
// next sync token.
func (x *session) events(ctx context.Context, syncToken string, now time.Time, each func(gEvent) error) (string, error) {
	pageToken := ""
	for range 10000 {
		q := url.Values{"singleEvents": {"true"}, "maxResults": {"250"}}
		if syncToken != "" {
			q.Set("syncToken", syncToken)
		} else {
			q.Set("timeMin", now.Add(-CalendarPast).Format(time.RFC3339))
			q.Set("timeMax", now.Add(CalendarFuture).Format(time.RFC3339))
		}
		if pageToken != "" {
			q.Set("pageToken", pageToken)
		}
		var page struct {
			Items         []gEvent `json:"items"`
			NextPageToken string   `json:"nextPageToken"`
			NextSyncToken string   `json:"nextSyncToken"`
		}
		if err := x.do(ctx, "GET", x.api("/calendars/primary/events", q), nil, &page); err != nil {
			return "", err
		}
		for _, ev := range page.Items {
			if err := each(ev); err != nil {
				return "", err
			}
		}
		if page.NextPageToken == "" {
			return page.NextSyncToken, nil
		}
		pageToken = page.NextPageToken
	}
	return "", core.Errorf(core.EBADGATEWAY, "Google Calendar sent too many pages.")
}

func (im *importer) event(ctx context.Context, ev gEvent) error {
	if ev.ID == "" {
		return nil
	}
	if ev.Status == "cancelled" || declined(ev) {
		return im.remove(ctx, ev.ID)
	}
	t, ok := eventToTask(ev)
	if !ok {
		im.res.Skipped++
		return im.remove(ctx, ev.ID) // e.g. turned into an all-day event
	}
	return im.upsert(ctx, ev.ID, "primary", ev.Updated, t)
}

func declined(ev gEvent) bool {
	for _, a := range ev.Attendees {
		if a.Self && a.ResponseStatus == "declined" {
			return true
		}
	}
	return false
}

// eventToTask maps a timed event; all-day and zero-length events are not
// meetings (false).
func eventToTask(ev gEvent) (*core.Task, bool) {
	if ev.Start.DateTime == "" || ev.End.DateTime == "" {
		return nil, false
	}
	start, ok1 := remoteTime(ev.Start.DateTime)
	end, ok2 := remoteTime(ev.End.DateTime)
	if !ok1 || !ok2 || !end.After(start) {
		return nil, false
	}
	t := &core.Task{Title: cleanTitle(ev.Summary, untitledMeeting), Description: truncate(ev.Description, core.MaxDescriptionLen),
		TaskType: core.TaskTypeMeeting, Source: core.SourceCalendar, SourceID: truncate(ev.ID, core.MaxShortField),
		StartTime: &start, EndTime: &end, Location: truncate(ev.Location, core.MaxShortField), IsRecurring: ev.RecurringEventID != "",
		Attendees: []string{}}
	t.MeetingURL = ev.HangoutLink
	for _, ep := range ev.ConferenceData.EntryPoints {
		if ep.EntryPointType == "video" && ep.URI != "" {
			t.MeetingURL = ep.URI
			break
		}
	}
	t.MeetingURL = truncate(t.MeetingURL, core.MaxShortField)
	for _, a := range ev.Attendees {
		if a.Self && a.Optional {
			t.IsOptional = true
		}
		email := strings.TrimSpace(a.Email)
		if a.Resource || email == "" || len(email) > 255 || len(t.Attendees) >= core.MaxAttendees {
			continue
		}
		t.Attendees = append(t.Attendees, email)
	}
	return t, true
}

// ImportZoomMeetings imports the caller's upcoming Zoom meetings as
// meetings. Re-importing changes nothing unless a meeting changed on Zoom;
// an upcoming meeting that disappeared from Zoom is removed here.
func (s *Service) ImportZoomMeetings(ctx context.Context, userID string) (*SyncResult, error) {
	return s.run(ctx, userID, core.IntegrationZoom, s.syncZoom)
}

type zoomMeeting struct {
	ID        json.Number `json:"id"`
	Topic     string      `json:"topic"`
	Type      int         `json:"type"`
	StartTime string      `json:"start_time"`
	Duration  int         `json:"duration"`
	Agenda    string      `json:"agenda"`
	JoinURL   string      `json:"join_url"`
	Settings  struct {
		MeetingInvitees []struct {
			Email string `json:"email"`
		} `json:"meeting_invitees"`
	} `json:"settings"`
}

func (s *Service) syncZoom(ctx context.Context, x *session, res *SyncResult) (string, error) {
	im, err := s.newImporter(ctx, x, res)
	if err != nil {
		return "", err
	}
	res.Full = true
	now := s.now().UTC()
	var listed []zoomMeeting
	pageToken := ""
	for range 1000 {
		q := url.Values{"type": {"upcoming"}, "page_size": {"300"}}
		if pageToken != "" {
			q.Set("next_page_token", pageToken)
		}
		var page struct {
			NextPageToken string        `json:"next_page_token"`
			Meetings      []zoomMeeting `json:"meetings"`
		}
		if err := x.do(ctx, "GET", x.api("/users/me/meetings", q), nil, &page); err != nil {
			return "", err
		}
		listed = append(listed, page.Meetings...)
		if pageToken = page.NextPageToken; pageToken == "" {
			break
		}
	}
	seen := map[string]bool{}
	for _, m := range listed {
		id := m.ID.String()
		if id == "" || m.StartTime == "" {
			res.Skipped++ // recurring meetings with no fixed time
			continue
		}
		seen[id] = true
		// The details carry the agenda and the invitees.
		var d zoomMeeting
		err := x.do(ctx, "GET", x.api("/meetings/"+url.PathEscape(id), nil), nil, &d)
		if httpStatus(err) == 404 {
			delete(seen, id)
			continue
		} else if err != nil {
			return "", err
		}
		if d.StartTime == "" {
			d.StartTime = m.StartTime
		}
		t, ok := zoomToTask(id, d)
		if !ok {
			res.Skipped++
			continue
		}
		if err := im.upsert(ctx, id, "", fingerprint(t), t); err != nil {
			return "", err
		}
	}
	// Upcoming meetings that Zoom no longer lists were deleted there.
	if err := im.removeUnseen(ctx, seen, now); err != nil {
		return "", err
	}
	return "", nil
}

func zoomToTask(id string, m zoomMeeting) (*core.Task, bool) {
	start, ok := remoteTime(m.StartTime)
	if !ok {
		return nil, false
	}
	minutes := m.Duration
	if minutes <= 0 {
		minutes = 30
	}
	end := start.Add(time.Duration(min(minutes, 7*24*60)) * time.Minute)
	if !core.TimeInRange(end) {
		return nil, false
	}
	t := &core.Task{Title: cleanTitle(m.Topic, untitledMeeting), Description: truncate(m.Agenda, core.MaxDescriptionLen),
		TaskType: core.TaskTypeMeeting, Source: core.SourceZoom, SourceID: id, ZoomMeetingID: id, StartTime: &start, EndTime: &end,
		MeetingURL: truncate(m.JoinURL, core.MaxShortField), IsRecurring: m.Type == 3 || m.Type == 8, Attendees: []string{}}
	for _, inv := range m.Settings.MeetingInvitees {
		if e := strings.TrimSpace(inv.Email); e != "" && len(e) <= 255 && len(t.Attendees) < core.MaxAttendees {
			t.Attendees = append(t.Attendees, e)
		}
	}
	return t, true
}

// fingerprint stands in for a modification stamp where the provider has
// none: a hash of every field the import maps.
func fingerprint(t *core.Task) string {
	b, _ := json.Marshal([]any{t.Title, t.Description, t.StartTime, t.EndTime, t.MeetingURL, t.Attendees, t.IsRecurring, t.Location})
	sum := sha256.Sum256(b)
	return "fp:" + hex.EncodeToString(sum[:12]) + ":" + strconv.Itoa(len(b))
}

// remoteTime reads a provider's RFC 3339 time, in UTC; false when it is
// malformed or outside the range the store accepts (core.CheckTime).
func remoteTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !core.TimeInRange(t) {
		return time.Time{}, false
	}
	return t.UTC(), true
}
