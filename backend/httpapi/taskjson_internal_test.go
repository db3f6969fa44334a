package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"sentry/backend/core"
)

// The direct task encoder writes exactly what encoding/json writes, for
// every field of core.Task filled with awkward values; a field added to
// core.Task is written from core.TaskFields with no change to taskjson.go,
// and held to encoding/json's bytes here.
func TestTaskJSONMatchesEncodingJSON(t *testing.T) {
	texts := []string{"", "plain", `quote " and \ back`, "<b>&amp;</b>", "tab\tnl\nret\rbs\bff\f", "\x00\x01\x1f\x7f",
		"bad \xff utf8 \xc3", "é ü 中文 🙂", "line\u2028para\u2029", "\u00a0\ufeff", "https://x.example/a?b=1&c=<2>"}
	floats := []float64{0, 1, -2.5, 0.1, 1e-7, 1.5e-9, 1e21, 123456789.125, 1e20, -1e-6}
	times := []time.Time{
		time.Date(2026, 12, 5, 7, 30, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 123000000, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2030, 6, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999000000, time.UTC),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(v reflect.Value, f reflect.StructField) {
		switch v.Interface().(type) {
		case string:
			v.SetString(texts[rng.IntN(len(texts))])
		case bool:
			v.SetBool(rng.IntN(2) == 1)
		case int64:
			v.SetInt(rng.Int64N(1<<40) - 5)
		case time.Time:
			v.Set(reflect.ValueOf(times[rng.IntN(len(times))]))
		case *time.Time:
			if rng.IntN(3) > 0 {
				tm := times[rng.IntN(len(times))]
				v.Set(reflect.ValueOf(&tm))
			}
		case *float64:
			if rng.IntN(3) > 0 {
				x := floats[rng.IntN(len(floats))]
				v.Set(reflect.ValueOf(&x))
			}
		case []string:
			switch rng.IntN(3) {
			case 0: // nil
			case 1:
				v.Set(reflect.ValueOf([]string{}))
			default:
				v.Set(reflect.ValueOf([]string{texts[rng.IntN(len(texts))], texts[rng.IntN(len(texts))]}))
			}
		case map[string]any:
			switch rng.IntN(3) {
			case 0: // nil
			case 1:
				v.Set(reflect.ValueOf(map[string]any{}))
			default:
				v.Set(reflect.ValueOf(map[string]any{"quote": texts[rng.IntN(len(texts))], "n": 2.5, "list": []any{"a", true}}))
			}
		default:
			t.Fatalf("core.Task.%s has type %s, which this test cannot fill: update taskjson.go and this test", f.Name, f.Type)
		}
	}
	rt := reflect.TypeFor[core.Task]()
	var tasks []*core.Task
	for range 400 {
		task := &core.Task{}
		rv := reflect.ValueOf(task).Elem()
		for i := range rt.NumField() {
			fill(rv.Field(i), rt.Field(i))
		}
		want, err := json.Marshal(task)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendTask(nil, task)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("appendTask wrote (ok=%v)\n%s\nencoding/json writes\n%s", ok, got, want)
		}
		tasks = append(tasks, task)
	}

	// Whole answers, headers included, as writeJSON gives them.
	cursor := "eyJzIjoiLWNyZWF0ZWRfYXQifQ<&>"
	for _, page := range []taskPage{{Tasks: tasks[:50]}, {Tasks: tasks[50:51], NextCursor: &cursor}, {Tasks: []*core.Task{}}, {}} {
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(want, 200, page)
		writeTaskPage(got, 200, page)
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) || !reflect.DeepEqual(got.Header(), want.Header()) || got.Code != want.Code {
			t.Fatalf("page of %d tasks: got %d %v\n%s\nwant %d %v\n%s", len(page.Tasks), got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
		}
	}
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	writeJSON(want, 201, tasks[7])
	writeTask(got, 201, tasks[7])
	if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) || !reflect.DeepEqual(got.Header(), want.Header()) || got.Code != want.Code {
		t.Fatalf("one task: got %d %v %s, want %d %v %s", got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
	}

	// What encoding/json refuses is refused here too (and answered by it).
	bad := *tasks[0]
	inf := math.Inf(1)
	bad.ActualHours = &inf
	if _, ok := appendTask(nil, &bad); ok {
		t.Fatal("an infinite number was written")
	}
	bad = *tasks[0]
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	bad.Deadline = &far
	if _, ok := appendTask(nil, &bad); ok {
		t.Fatal("a time after year 9999 was written")
	}
	for _, refused := range []time.Time{
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -25*3600)),
	} {
		bad = *tasks[0]
		bad.CreatedAt = refused
		if _, err := json.Marshal(&bad); err == nil {
			t.Fatalf("encoding/json writes %v; this test expects it refused", refused)
		}
		if _, ok := appendTask(nil, &bad); ok {
			t.Fatalf("%v was written, which encoding/json refuses", refused)
		}
	}
	// Zones up to 23:59 either way are written as encoding/json writes them.
	for _, offset := range []int{23*3600 + 59*60, -(23*3600 + 59*60), -30 * 60, 5*3600 + 45*60 + 30} {
		task := *tasks[0]
		task.CreatedAt = time.Date(2026, 3, 4, 5, 6, 7, 890, time.FixedZone("", offset))
		want, err := json.Marshal(&task)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := appendTask(nil, &task); !ok || !bytes.Equal(got, want) {
			t.Fatalf("zone %d s: appendTask wrote (ok=%v)\n%s\nencoding/json writes\n%s", offset, ok, got, want)
		}
	}
}
