package rules

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkExtractMeetingTranscript1MB measures the rule engine on about a
// megabyte of meeting transcript (MB/s is reported).
func BenchmarkExtractMeetingTranscript1MB(b *testing.B) {
	turns := []string{
		"Alice: Let's go through the release checklist.",
		"Bob: The changelog still needs to be written.",
		"Alice: Bob, please write the changelog by Wednesday.",
		"Bob: OK. I'll also ping marketing about the announcement tomorrow.",
		"Carol: We could do a webinar someday, but not now.",
		"Dan: The staging deploy is done already.",
		"Alice: Let's meet again on Monday at 11 to review.",
	}
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		for _, t := range turns {
			sb.WriteString(t)
			sb.WriteByte('\n')
		}
	}
	text := sb.String()
	opt := Options{Now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Kind: "meeting_transcript"}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(Extract(text, opt)) == 0 {
			b.Fatal("no tasks")
		}
	}
}
