package pdfraster_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"sentry/backend/pdfraster"
)

func TestRendersAPage(t *testing.T) {
	if !pdfraster.Available() {
		t.Skip("skipped: pdftoppm (poppler-utils) is not installed")
	}
	pdf, err := os.ReadFile("../docparse/testdata/libreoffice-3pages.pdf")
	if err != nil {
		t.Fatal(err)
	}
	png, err := pdfraster.Page(context.Background(), pdf, 2, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatal("not a PNG")
	}
	if _, err := pdfraster.Page(context.Background(), []byte("%PDF-1.4 garbage"), 1, 100); err == nil {
		t.Fatal("rendered garbage")
	}
}
