package app

import (
	"context"

	"sentry/backend/core"
	"sentry/backend/extract/rules"
)

// Engines returns the built-in task extractors; the composition root puts
// a model-backed one in front when configured. The built-in rules always
// come last, so extraction works with nothing installed.
func Engines() []core.TaskExtractor {
	return []core.TaskExtractor{rulesEngine{}}
}

type rulesEngine struct{}

func (rulesEngine) Name() string { return "rules" }

func (rulesEngine) Extract(ctx context.Context, text string, opt core.ExtractOptions) ([]core.ExtractedTask, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found := rules.Extract(text, rules.Options{Now: opt.Now, Kind: opt.Kind})
	out := make([]core.ExtractedTask, 0, len(found))
	for _, t := range found {
		out = append(out, core.ExtractedTask{Title: t.Title, Description: t.Description, Assignee: t.Assignee, Due: t.Due,
			DueText: t.DueText, Type: t.Type, Priority: t.Priority, Confidence: t.Confidence,
			Evidence: core.Evidence{Sentence: t.Sentence, Start: t.Start, End: t.End}})
	}
	return out, nil
}
