package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"sentry/backend/ollama"
	"sentry/backend/workload"
)

// newWorkload wires the workload feature: its service over the database,
// the local model for the tone of check-in notes when one is configured
// (the built-in lexicon otherwise, and whenever the model fails), and the
// debounced recalculation that task changes (from the API, extraction and
// synced integrations alike, since all go through the task service and its
// events) and the feature's own changes trigger, so a user's burnout status
// is never stale.
func newWorkload(a *App, llm *ollama.Extractor, logger *slog.Logger) (*workload.Service, *workload.Recalculator) {
	svc := workload.NewService(a.Store, logger)
	if llm != nil {
		svc.Tone = &ollamaTone{client: llm.Client, model: func(ctx context.Context) string { return a.LanguageModels.Chosen(ctx).Answers }}
	}
	recalc := workload.NewRecalculator(workload.DefaultRecalcDelay, func(ctx context.Context, userID string) error {
		_, err := svc.Recalculate(ctx, userID)
		return err
	}, logger)
	svc.Changed = recalc.Trigger
	a.Events.Subscribe("workload", recalc.Handle)
	return svc, recalc
}

// ollamaTone rates a check-in note's tone with the local model, asking for
// a JSON object that holds one number.
type ollamaTone struct {
	client *ollama.Client
	model  func(ctx context.Context) string
}

func (o *ollamaTone) Name() string { return "ollama:" + o.model(context.Background()) }

var toneSchema = json.RawMessage(`{"type":"object","properties":{"tone":{"type":"number","minimum":-1,"maximum":1}},"required":["tone"]}`)

const tonePrompt = `You rate the emotional tone of a short work check-in note written by the user about how they feel. ` +
	`Answer with JSON {"tone": number} where -1 is severe distress or exhaustion, 0 is neutral and 1 is clearly positive and rested.`

func (o *ollamaTone) Tone(ctx context.Context, text string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	model := o.model(ctx)
	out, err := o.client.Chat(ctx, ollama.ChatRequest{Model: model, Format: toneSchema, Options: map[string]any{"temperature": 0},
		Messages: []ollama.Message{{Role: "system", Content: tonePrompt}, {Role: "user", Content: text}}})
	if err != nil {
		return 0, err
	}
	var v struct {
		Tone *float64 `json:"tone"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Tone == nil || *v.Tone < -1 || *v.Tone > 1 {
		return 0, fmt.Errorf("app: tone from %s: unusable answer %.80q", model, out)
	}
	return *v.Tone, nil
}
