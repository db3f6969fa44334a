package core

import (
	"context"
	"time"
)

// MsgNoModelServer is what a person reads when a feature needs the local
// model server and it does not answer: it names the place that fixes it.
const MsgNoModelServer = "No language model is running. Open Settings → Models."

// SettingsModelsAnchor is the address of the Models section in the app
// (the UI opens Settings there).
const SettingsModelsAnchor = "#settings/models"

// InstalledModel is a model the local model server has.
type InstalledModel struct {
	Name          string    `json:"name"`
	Size          int64     `json:"size"`
	ModifiedAt    time.Time `json:"modified_at,omitzero"`
	Family        string    `json:"family,omitempty"`
	ParameterSize string    `json:"parameter_size,omitempty"`
	Quantization  string    `json:"quantization,omitempty"`
}

// ModelDetails is what the server tells about one installed model; the
// capabilities are its words ("completion", "embedding", "vision", …).
type ModelDetails struct {
	Name         string   `json:"name"`
	Family       string   `json:"family,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
}

// PullProgress is one step of a model download as the server reports it:
// a status line, and for a layer being fetched its digest and byte counts.
type PullProgress struct {
	Status    string
	Digest    string
	Total     int64
	Completed int64
}

// ModelServer is the local model server as Settings → Models manages it.
// Every method answers EUNAVAILABLE (with MsgNoModelServer) when the
// server does not answer.
type ModelServer interface {
	Version(ctx context.Context) (string, error)
	// ListModels returns the installed models.
	ListModels(ctx context.Context) ([]InstalledModel, error)
	// ShowModel describes one installed model (ENOTFOUND when it is not).
	ShowModel(ctx context.Context, name string) (ModelDetails, error)
	// PullModel downloads a model, calling progress as the server reports;
	// it returns when the model is installed, or ctx ends (ctx.Err()), or
	// the server refuses (EINVALID with its reason, e.g. an unknown name).
	PullModel(ctx context.Context, name string, progress func(PullProgress)) error
}
