package rules

import "strings"

// dedupe merges mentions of the same task: the same words twice, or a
// statement of need ("the changelog needs writing") followed by the
// request or promise that takes it on.
func (a *analyzer) dedupe(in []*candidate) []*candidate {
	var cs []*candidate
	for _, c := range in {
		if !c.dropped {
			cs = append(cs, c)
		}
	}
	keys := make([]map[string]bool, len(cs))
	for i, c := range cs {
		keys[i] = contentWords(c.title)
	}
	for i, c := range cs {
		if c.dropped {
			continue
		}
		// Mentions of one task sit close together; a window keeps long
		// inputs linear.
		for j := i + 1; j < len(cs) && j <= i+dedupeWindow; j++ {
			d := cs[j]
			if d.dropped || c.typ != d.typ {
				continue
			}
			if !sameTask(c, d, keys[i], keys[j]) {
				continue
			}
			// Keep the firmer mention; fill its gaps from the other.
			keep, drop := c, d
			if c.weak && !d.weak || c.conf < d.conf && c.weak == d.weak && d.assignee != "" && c.assignee == "" {
				keep, drop = d, c
			}
			if keep.assignee == "" {
				keep.assignee = drop.assignee
			}
			if keep.due == nil {
				keep.due = drop.due
			}
			if keep.priority == "" {
				keep.priority = drop.priority
			}
			if !strings.Contains(keep.desc, drop.desc) && len(keep.desc)+len(drop.desc) < 600 && keep.sent != drop.sent {
				keep.desc = drop.desc + " " + keep.desc
				if drop.sent.start > keep.sent.start {
					keep.desc = keep.desc[len(drop.desc)+1:] + " " + drop.desc
				}
			}
			if drop.conf > keep.conf {
				keep.conf = drop.conf
			}
			drop.dropped = true
			if drop == c {
				break
			}
		}
	}
	var out []*candidate
	for _, c := range cs {
		if !c.dropped {
			out = append(out, c)
		}
	}
	return out
}

const dedupeWindow = 40

func sameTask(c, d *candidate, kc, kd map[string]bool) bool {
	if len(kc) == 0 || len(kd) == 0 {
		return false
	}
	if c.sent == d.sent && c.title != d.title {
		return false
	}
	inter := 0
	for w := range kc {
		if kd[w] {
			inter++
		}
	}
	union := len(kc) + len(kd) - inter
	if inter == len(kc) && inter == len(kd) {
		return true
	}
	if float64(inter)/float64(union) >= 0.6 && inter >= 2 {
		return true
	}
	// One mention's words within the other's, for the same person: "Send
	// the board deck" and "Send the board deck to the chair".
	if len(kc) >= 2 && len(kd) >= 2 && (inter == len(kc) || inter == len(kd)) &&
		(c.assignee == "" || d.assignee == "" || strings.EqualFold(c.assignee, d.assignee)) {
		return true
	}
	// A weak statement of need is absorbed by a firmer mention of its head
	// noun ("the abstract is due" + "I'll draft the abstract").
	if c.weak != d.weak {
		weak, firm := c, kd
		if d.weak {
			weak, firm = d, kc
		}
		if h := headNoun(weak.title); h != "" && firm[h] {
			return true
		}
	}
	return false
}

// headNoun is the last content word before any preposition: "Submit
// expense reports for February" → "report".
func headNoun(title string) string {
	f := strings.Fields(strings.ToLower(title))
	head := ""
	for i, w := range f {
		w = strings.Trim(w, ",.;:!?()'\"")
		if i > 0 && (w == "for" || w == "of" || w == "to" || w == "on" || w == "in" || w == "with" || w == "by" || w == "from" || w == "at" || w == "about") {
			break
		}
		if i == 0 || stopWords.Has(w) || len(w) < 2 {
			continue
		}
		head = w
	}
	for k := range contentWords(head) {
		return k
	}
	return ""
}

// contentWords are a title's words without stop words, lightly stemmed.
func contentWords(t string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if stopWords.Has(w) || len(w) < 2 {
			continue
		}
		if strings.HasSuffix(w, "s") && len(w) > 3 && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		m[w] = true
	}
	return m
}
