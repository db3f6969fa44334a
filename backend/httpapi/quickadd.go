package httpapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sentry/backend/core"
	"sentry/backend/extract/dates"
)

// MaxQuickAddText bounds the line quick add reads, in characters.
const MaxQuickAddText = 1000

func (s *Server) quickAddRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/tasks/{user_id}/parse", Tag: "tasks",
			Summary: "Read a typed line (\"Call mom tomorrow at 6pm !high #family\") as a task's title, deadline, priority and tags; nothing is saved",
			Body:    "QuickAddRequest", Response: "QuickAdd", Status: 200, handler: s.handleQuickAdd},
	}
}

// quickAdd is what a typed line says. Deadline is in the reader's zone.
type quickAdd struct {
	Title        string     `json:"title"`
	Deadline     *time.Time `json:"deadline"`
	DateOnly     bool       `json:"date_only"`
	DeadlineText *string    `json:"deadline_text"`
	Priority     *string    `json:"priority"`
	PriorityText *string    `json:"priority_text"`
	Tags         []string   `json:"tags"`
}

// quickTrail is what a title keeps dangling once its date is out ("Pay rent by").
var quickTrail = regexp.MustCompile(`(?i)(?:[\s,;:\-–—]+|\s+(?:by|on|at|due|before|until|till|for))+$`)

var priorityWords = map[string]string{
	"!low": "low", "p4": "low", "!medium": "medium", "!med": "medium", "!normal": "medium", "p3": "medium",
	"!high": "high", "!important": "high", "!!": "high", "p2": "high", "!urgent": "urgent", "!!!": "urgent", "p1": "urgent",
}

// quickAddRequest is a line of text to read as a task.
type quickAddRequest struct {
	Text     *string   `json:"text"`
	Now      zonedTime `json:"now"`
	Timezone *string   `json:"timezone"`
}

// zonedTime is an RFC 3339 date-time whose offset is kept (it is the
// user's zone); null is the same as absent.
type zonedTime struct{ value *time.Time }

func (z *zonedTime) decodeBody(name string, raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return core.FieldError(name, "%s must be an RFC 3339 date-time such as 2026-11-25T17:00:00Z.", name)
	}
	t, err := parseTimeKeepZone(name, v)
	if err != nil {
		return err
	}
	z.value = &t
	return nil
}

func (zonedTime) jsonSchema() map[string]any {
	return map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
}

func (s *Server) handleQuickAdd(w http.ResponseWriter, r *http.Request) error {
	if _, err := core.RequireSelf(r.Context(), r.PathValue("user_id")); err != nil {
		return err
	}
	var in quickAddRequest
	if _, err := decodeFieldsLimit(w, r, &in, 16<<10); err != nil {
		return err
	}
	text := in.Text
	if text == nil {
		return core.FieldError("text", "Text is required.")
	}
	if err := core.CheckStorable("text", *text); err != nil {
		return err
	}
	if utf8.RuneCountInString(*text) > MaxQuickAddText {
		return core.FieldError("text", "Keep it to %d characters.", MaxQuickAddText)
	}
	now, given := s.Now(), in.Now.value != nil
	if given {
		now = *in.Now.value
	}
	if tz := in.Timezone; tz != nil && *tz != "" {
		loc, err := time.LoadLocation(*tz)
		if err != nil || strings.HasPrefix(*tz, "/") || strings.Contains(*tz, "..") || strings.EqualFold(*tz, "local") {
			return core.FieldError("timezone", "Unknown time zone; use an IANA name such as Europe/Lisbon.")
		}
		now = now.In(loc)
	} else if !given {
		now = now.UTC()
	}
	writeJSON(w, http.StatusOK, parseQuickAdd(*text, now))
	return nil
}

// parseQuickAdd reads one typed line at time now (whose Location is the
// user's zone): the first priority marker, the #tags and the first date
// phrase that names a coming moment come out of the title.
func parseQuickAdd(text string, now time.Time) quickAdd {
	line := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, text)
	out := quickAdd{Tags: []string{}}
	// Blank what is cut out, so offsets stay put and the date reader does
	// not take "#fri" for Friday.
	cut := []byte(line)
	blank := func(a, b int) {
		for i := a; i < b; i++ {
			cut[i] = ' '
		}
	}
	// Markers are whole words: "!high", "p1" or "#tag", not "p1x" or "a#b".
	seen := map[string]bool{}
	for _, w := range fieldSpans(line) {
		word := strings.TrimRight(line[w[0]:w[1]], ",.;")
		if p, ok := priorityWords[strings.ToLower(word)]; ok {
			if out.Priority == nil {
				out.Priority, out.PriorityText = &p, &word
			}
			blank(w[0], w[0]+len(word))
			continue
		}
		if !strings.HasPrefix(word, "#") {
			continue
		}
		tag := strings.TrimRight(word[1:], "-_/!?:")
		first, _ := utf8.DecodeRuneInString(tag)
		if !unicode.IsLetter(first) || utf8.RuneCountInString(tag) > 64 || strings.ContainsAny(tag, "#@<>\\") {
			continue // "#1" is a number, not a tag
		}
		blank(w[0], w[0]+len(word))
		if key := strings.ToLower(tag); !seen[key] && len(out.Tags) < core.MaxTags {
			seen[key] = true
			out.Tags = append(out.Tags, tag)
		}
	}
	var day, clock *dates.Phrase
	for _, p := range dates.FindPhrases(string(cut), now) {
		if p.Past || p.Recurring {
			continue
		}
		switch {
		case p.HasDate && day == nil:
			day = &p
		case !p.HasDate && clock == nil:
			clock = &p
		}
	}
	var parts []*dates.Phrase
	switch {
	case day != nil && day.HasTime:
		parts = append(parts, day)
		out.Deadline = &day.Time
	case day != nil && clock != nil:
		// "Friday … at 6pm": the one day and the one time, apart.
		t := time.Date(day.Time.Year(), day.Time.Month(), day.Time.Day(), clock.Time.Hour(), clock.Time.Minute(), 0, 0, day.Time.Location())
		parts = append(parts, day, clock)
		out.Deadline = &t
	case day != nil:
		parts = append(parts, day)
		out.Deadline, out.DateOnly = &day.Time, true
	case clock != nil:
		// A time alone is the next one: today's if still to come.
		t := clock.Time
		if !t.After(now) {
			t = t.AddDate(0, 0, 1)
		}
		parts = append(parts, clock)
		out.Deadline = &t
	}
	if len(parts) > 0 {
		words := make([]string, 0, len(parts))
		for _, p := range parts {
			words = append(words, strings.TrimSpace(p.Text))
			blank(p.Start, p.End)
		}
		phrase := strings.Join(words, " ")
		out.DeadlineText = &phrase
	}
	title := strings.Join(strings.Fields(string(cut)), " ")
	title = strings.TrimSpace(quickTrail.ReplaceAllString(title, ""))
	if utf8.RuneCountInString(title) > core.MaxTitleLen {
		title = string([]rune(title)[:core.MaxTitleLen])
	}
	out.Title = title
	return out
}

// fieldSpans returns the byte spans of s's space-separated words.
func fieldSpans(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, [2]int{start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}
