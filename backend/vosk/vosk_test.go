package vosk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sentry/backend/core"
)

// fakeModel lays out the files of a Vosk model, empty, under a temp dir.
func fakeModel(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckModel(t *testing.T) {
	file := filepath.Join(t.TempDir(), "model.zip")
	if err := os.WriteFile(file, []byte("PK"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		want string // substring of the message; "" for success
	}{
		{"not configured", "", "No speech model is configured"},
		{"missing folder", filepath.Join(t.TempDir(), "nope"), "does not exist"},
		{"a file", file, "is a file, not a folder"},
		{"empty folder", t.TempDir(), "missing am/final.mdl, conf/mfcc.conf, graph/HCLG.fst"},
		{"no graph", fakeModel(t, "am/final.mdl", "conf/mfcc.conf"), "missing graph/HCLG.fst"},
		{"half a lookahead graph", fakeModel(t, "am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst"), "missing graph/HCLG.fst"},
		{"current layout", fakeModel(t, "am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLG.fst", "ivector/final.ie"), ""},
		{"lookahead layout", fakeModel(t, "am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst"), ""},
		{"old flat layout", fakeModel(t, "final.mdl", "mfcc.conf", "HCLG.fst"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckModel(tc.dir)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckModel: %v", err)
				}
				return
			}
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("CheckModel: got %v, want an invalid error", err)
			}
			msg := core.ErrorMessage(err)
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "vosk-model") {
				t.Errorf("message %q: want it to contain %q and name a model to install", msg, tc.want)
			}
		})
	}
}

func TestParseResult(t *testing.T) {
	seg, ok, err := parseResult(`{
  "result" : [{"conf" : 1.0, "end" : 1.02, "start" : 0.51, "word" : "call"},
              {"conf" : 0.87, "end" : 1.5, "start" : 1.02, "word" : "the"},
              {"conf" : 0.95, "end" : 2.1, "start" : 1.5, "word" : "dentist"}],
  "text" : "call the dentist"
}`)
	if err != nil || !ok {
		t.Fatalf("parseResult: ok=%v err=%v", ok, err)
	}
	if seg.Text != "call the dentist" || seg.Start != 0.51 || seg.End != 2.1 || len(seg.Words) != 3 {
		t.Fatalf("segment %+v", seg)
	}
	if w := seg.Words[1]; w.Text != "the" || w.Conf != 0.87 || w.Start != 1.02 || w.End != 1.5 {
		t.Errorf("word %+v", w)
	}

	if _, ok, err := parseResult(`{"text" : ""}`); ok || err != nil {
		t.Errorf("silence: ok=%v err=%v, want no segment", ok, err)
	}
	if _, _, err := parseResult(`{"text": `); err == nil {
		t.Error("truncated JSON: no error")
	}
}

func TestCheckInput(t *testing.T) {
	for _, rate := range []int{0, 4000, 96000} {
		if core.ErrorCode(checkInput(rate)) != core.EINVALID {
			t.Errorf("rate %d accepted", rate)
		}
	}
	for _, rate := range []int{8000, 16000, 44100, 48000} {
		if err := checkInput(rate); err != nil {
			t.Errorf("rate %d: %v", rate, err)
		}
	}
}
