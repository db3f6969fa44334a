package httpapi_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Without a built UI, / says how to build one, naming make targets that
// exist, the first of them the one that builds the frontend.
func TestMissingUIPageNamesCommandsThatBuildIt(t *testing.T) {
	b := newBackend(t, false)
	res, body := b.do("GET", "/", "", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", res.StatusCode, body)
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`<code>make ([a-z-]+)</code>`).FindAllStringSubmatch(string(body), -1)
	if len(named) == 0 || named[0][1] != "frontend" {
		t.Fatalf("the page should first name 'make frontend': %s", body)
	}
	for _, m := range named {
		recipe := regexp.MustCompile(`(?m)^` + m[1] + `:.*\n((?:\t.*\n)*)`).FindStringSubmatch(string(makefile))
		if recipe == nil {
			t.Fatalf("the page names 'make %s', which the Makefile does not have", m[1])
		}
		if m[1] == "frontend" && !strings.Contains(recipe[1], "npm run build") {
			t.Fatalf("'make frontend' does not build the UI:\n%s", recipe[1])
		}
	}
}
