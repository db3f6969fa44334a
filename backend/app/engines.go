package app

import (
	"context"

	"sentry/backend/core"
	"sentry/backend/extract/rules"
	"sentry/backend/ollama"
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

// CLIEngine picks the extractor for the command line: "rules", "ollama"
// (an error naming what to install when it is not there) or "auto".
func CLIEngine(ctx context.Context, name, host, model string) (core.TaskExtractor, error) {
	rules := Engines()[0]
	if name == "rules" {
		return rules, nil
	}
	if name != "auto" && name != "ollama" {
		return nil, core.FieldError("engine", "--engine must be auto, rules or ollama.")
	}
	if model == "" {
		model = ollama.DefaultModel
	}
	client, err := ollama.New(host, nil)
	if err != nil {
		return nil, core.FieldError("engine", "OLLAMA_HOST %q is not an address.", host)
	}
	llm := &ollama.Extractor{Client: client, Model: model}
	if llm.Available(ctx) {
		return llm, nil
	}
	if name == "ollama" {
		return nil, core.Errorf(core.EUNSUPPORTED, "Ollama is not reachable at %s or has no %s: start it and run 'ollama pull %s', or use --engine rules.", client.Host(), model, model)
	}
	return rules, nil
}
