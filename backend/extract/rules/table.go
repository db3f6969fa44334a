package rules

import (
	"strings"

	"sentry/backend/extract/dates"
	"sentry/backend/extract/gate"
)

// Tables of actions: minutes and plans often list owners and deadlines in
// a table ("| Item | Owner | Due |", or tab-separated columns from a word
// processor). A table whose header names an owner or a due column becomes
// one task a row: the item is the title, the owner the assignee, the due
// cell the date. The rows are kept out of the sentence rules, which would
// read "Hire two engineers | Lina | Nov 30" as one odd sentence.

// tableCell splits a table line into cells; nil when it is not one.
func tableCells(s string) []string {
	t := strings.TrimSpace(s)
	var parts []string
	switch {
	case strings.Count(t, "|") >= 2:
		parts = strings.Split(strings.Trim(t, "|"), "|")
	case strings.Count(t, "\t") >= 1:
		parts = strings.Split(t, "\t")
	default:
		return nil
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = append(out, strings.TrimSpace(p))
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// isRule: "|---|:--:|" separates a header from its rows.
func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" || c == "" {
			return false
		}
	}
	return true
}

var (
	ownerHeads = words("owner_heads")
	dueHeads   = words("due_heads")
	itemHeads  = words("item_heads")
)

func headKind(c string) string {
	w := strings.ToLower(strings.Trim(c, " *_:#"))
	switch {
	case ownerHeads.Has(w) || strings.HasPrefix(w, "assigned to") || strings.HasPrefix(w, "owner"):
		return "owner"
	case dueHeads.Has(w) || strings.HasPrefix(w, "due") || strings.HasPrefix(w, "deadline") || strings.HasPrefix(w, "target date"):
		return "due"
	case itemHeads.Has(w) || strings.HasPrefix(w, "action item") || strings.HasPrefix(w, "next step"):
		return "item"
	}
	return ""
}

// tables finds action tables, marks their lines as read, and makes their
// rows tasks.
func (a *analyzer) tables() {
	for i := 0; i < len(a.lines); i++ {
		ln := a.lines[i]
		if ln.blank || ln.speaker != "" {
			continue
		}
		head := tableCells(a.text[ln.start:ln.end])
		if head == nil {
			continue
		}
		item, owner, due := -1, -1, -1
		for k, c := range head {
			switch headKind(c) {
			case "item":
				if item < 0 {
					item = k
				}
			case "owner":
				if owner < 0 {
					owner = k
				}
			case "due":
				if due < 0 {
					due = k
				}
			}
		}
		if owner < 0 && due < 0 {
			continue // a table of something else
		}
		if item < 0 {
			for k := range head {
				if k != owner && k != due {
					item = k
					break
				}
			}
		}
		if item < 0 {
			continue
		}
		a.lines[i].skip = true
		j := i + 1
		for ; j < len(a.lines); j++ {
			rl := a.lines[j]
			if rl.blank {
				break
			}
			cells := tableCells(a.text[rl.start:rl.end])
			if cells == nil {
				break
			}
			a.lines[j].skip = true
			if isRule(cells) || item >= len(cells) {
				continue
			}
			if c := a.tableRow(rl, cells, item, owner, due); c != nil {
				a.cands = append(a.cands, c)
			}
		}
		i = j - 1
	}
}

func (a *analyzer) tableRow(rl line, cells []string, item, owner, due int) *candidate {
	what := collapse(cells[item])
	if what == "" || strings.EqualFold(what, "n/a") {
		return nil
	}
	l := gate.LowerASCII(what)
	if reDone.MatchString(l) || reCancel.MatchString(l) || strings.HasPrefix(what, "~~") || strings.Contains(what, "✓") ||
		strings.HasSuffix(l, " done") || strings.HasSuffix(l, "(done)") {
		return nil
	}
	for _, cell := range cells {
		switch strings.ToLower(strings.Trim(cell, " *_.✓✔")) {
		case "done", "complete", "completed", "closed", "cancelled", "canceled", "finished":
			return nil // a status column says so
		}
	}
	title := capitalise(trimDangling(what))
	c := &candidate{typ: TypeTask, title: title, conf: 0.75, sent: span{rl.start, rl.end}, frameKind: fItem,
		desc: collapse(strings.Join(cells, " · "))}
	if owner >= 0 && owner < len(cells) {
		if o := strings.TrimSpace(cells[owner]); o != "" && o != "-" && o != "—" && !strings.EqualFold(o, "tbd") && !strings.EqualFold(o, "n/a") {
			c.assignee = strings.TrimPrefix(o, "@")
		}
	}
	if due >= 0 && due < len(cells) {
		for _, h := range dates.Find(cells[due], a.clock) {
			if (h.HasDate || h.HasTime) && !h.Ref {
				hh := h
				c.due = &hh
				break
			}
		}
	}
	if c.due == nil {
		for _, h := range dates.Find(what, a.clock) {
			if h.HasDate && !h.Past && !h.Ref {
				hh := h
				c.due = &hh
				break
			}
		}
	}
	return c
}
