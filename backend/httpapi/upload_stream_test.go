package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"sentry/backend/pdfraster"
)

// bigFileSize is large enough that a handler holding whole files shows
// at once, small enough for a race-enabled run.
const bigFileSize = 24 << 20

// writeBigFile writes a file of size bytes that starts as a PNG (so it
// is accepted and notebooks give up on it fast) and whose every 4 KiB
// block differs, so a wrong range shows.
func writeBigFile(t *testing.T, size int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for off := 0; off < size; off += len(block) {
		for i := range block {
			block[i] = byte(off>>12 + i*7)
		}
		if off == 0 {
			copy(block, "\x89PNG\r\n\x1a\n")
		}
		if _, err := f.Write(block[:min(len(block), size-off)]); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// sendFileFrom posts a file from disk as multipart field "file", without
// holding it in memory.
func (b *testBackend) sendFileFrom(path, token, file string) (*http.Response, []byte) {
	b.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(file)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		fw, _ := mw.CreateFormFile("file", filepath.Base(file))
		if _, err := io.Copy(fw, f); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", b.srv.URL+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

// bigPDF writes a valid one-page PDF with a text layer, padded to about
// size bytes by a stream no page uses.
func bigPDF(t *testing.T, size int) string {
	t.Helper()
	var buf bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	buf.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	text := "BT /F1 18 Tf 72 700 Td (The quarterly plan is ready for the board review.) Tj ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	pad := strings.Repeat("0123456789abcdef", size/16)
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(pad), pad))
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	p := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileSHA(t *testing.T, path string, off, n int64) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// allocatedDuring is what the whole process (server and client)
// allocated on the heap while fn ran: an upper bound of how far the heap
// grew, whatever the timing.
func allocatedDuring(fn func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// download is one GET of a file route, hashed as it arrives.
type download struct {
	rng    string // Range header, or "" for the whole file
	status int
	header http.Header
	sha    string
	n      int64
	head   []byte
	err    error
}

func (b *testBackend) downloadAll(path, token string, dls []*download) {
	var wg sync.WaitGroup
	for _, d := range dls {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if d.rng != "" {
				req.Header.Set("Range", d.rng)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				d.err = err
				return
			}
			defer res.Body.Close()
			h := sha256.New()
			head := &bytes.Buffer{}
			d.n, d.err = io.Copy(io.MultiWriter(h, &prefixWriter{w: head, max: 512}), res.Body)
			d.status, d.header, d.sha, d.head = res.StatusCode, res.Header, hex.EncodeToString(h.Sum(nil)), head.Bytes()
		})
	}
	wg.Wait()
}

// prefixWriter keeps the first max bytes written to it.
type prefixWriter struct {
	w   *bytes.Buffer
	max int
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if room := p.max - p.w.Len(); room > 0 {
		p.w.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}

// Stored files are streamed, not read whole: eight parallel downloads of
// a 24 MB file, whole or in ranges, allocate a fixed few megabytes (not
// one copy of the file each), on every route that serves a stored file;
// so do page images rendered from a stored PDF.
func TestFileDownloadsStream(t *testing.T) {
	b := newUploadBackend(t, nil)
	me := b.signUp("stream@example.com")
	big := writeBigFile(t, bigFileSize)

	_, body := b.do("POST", "/api/uploads/create-session", me.Access, nil)
	var sess struct {
		ID string `json:"session_id"`
	}
	_ = json.Unmarshal(body, &sess)
	res, body := b.sendFileFrom("/api/uploads/session/"+sess.ID+"/upload", me.Access, big)
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	var up struct{ ID string }
	_ = json.Unmarshal(body, &up)

	nb := b.createNotebook(me, "Big files")
	docOf := func(file string) string {
		res, body := b.sendFileFrom("/api/notebooks/"+nb+"/upload", me.Access, file)
		if res.StatusCode != 202 {
			t.Fatalf("notebook upload: %d %s", res.StatusCode, body)
		}
		var d struct {
			DocumentID string `json:"document_id"`
		}
		_ = json.Unmarshal(body, &d)
		return d.DocumentID
	}
	bigDoc := docOf(big)
	// Smaller: indexing parses all of it, slowly under the race detector.
	const pdfSize = 8 << 20
	pdf := bigPDF(t, pdfSize)
	pdfDoc := docOf(pdf)
	for _, d := range b.waitIndexed(me, nb) { // indexing reads them too: let it finish first
		if d["filename"] == "plan.pdf" && d["status"] != "ready" {
			t.Fatalf("the PDF was not indexed: %v", d)
		}
	}

	const parallel = 8
	// What all the downloads together may allocate: buffers and request
	// bookkeeping, not files.
	const bound = 8 << 20
	size := int64(bigFileSize)
	whole := fileSHA(t, big, 0, size)
	for _, route := range []struct{ name, path string }{
		{"upload content", "/api/uploads/" + up.ID + "/content"},
		{"notebook document file", "/api/notebooks/" + nb + "/documents/" + bigDoc + "/file"},
	} {
		t.Run(route.name, func(t *testing.T) {
			var dls []*download
			for i := range parallel {
				d := &download{}
				if i%2 == 1 {
					d.rng = fmt.Sprintf("bytes=%d-%d", int64(i)<<20, size-int64(i)<<18-1)
				}
				dls = append(dls, d)
			}
			alloc := allocatedDuring(func() { b.downloadAll(route.path, me.Access, dls) })
			var sent int64
			for _, d := range dls {
				sent += d.n
			}
			t.Logf("%d downloads (%d MB sent) allocated %.1f MB", parallel, sent>>20, float64(alloc)/(1<<20))
			for _, d := range dls {
				if d.err != nil {
					t.Fatalf("range %q: %v", d.rng, d.err)
				}
				if d.rng == "" {
					if d.status != 200 || d.n != size || d.sha != whole || d.header.Get("Accept-Ranges") != "bytes" {
						t.Fatalf("whole file: %d, %d bytes, %v", d.status, d.n, d.header)
					}
					continue
				}
				var from, to int64
				fmt.Sscanf(d.rng, "bytes=%d-%d", &from, &to)
				if d.status != 206 || d.n != to-from+1 || d.sha != fileSHA(t, big, from, to-from+1) ||
					d.header.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", from, to, size) {
					t.Fatalf("range %q: %d, %d bytes, %v", d.rng, d.status, d.n, d.header)
				}
			}
			if alloc > bound {
				t.Fatalf("%d parallel downloads of a %d MB file allocated %d MB: files are held in memory", parallel, size>>20, alloc>>20)
			}
		})
	}

	t.Run("notebook page image", func(t *testing.T) {
		if !pdfraster.Available() {
			t.Skip("pdftoppm is not installed")
		}
		path := "/api/notebooks/" + nb + "/documents/" + pdfDoc + "/pages/1?dpi=50"
		var dls []*download
		for range parallel / 2 {
			dls = append(dls, &download{})
		}
		alloc := allocatedDuring(func() { b.downloadAll(path, me.Access, dls) })
		for _, d := range dls {
			if d.err != nil || d.status != 200 || !bytes.HasPrefix(d.head, []byte("\x89PNG\r\n\x1a\n")) || d.header.Get("Content-Type") != "image/png" {
				t.Fatalf("page: %v %d %v", d.err, d.status, d.header)
			}
		}
		t.Logf("%d page renders of a %d MB PDF allocated %.1f MB", len(dls), pdfSize>>20, float64(alloc)/(1<<20))
		if alloc > bound {
			t.Fatalf("%d parallel page renders of a %d MB PDF allocated %d MB: the PDF is held in memory", len(dls), pdfSize>>20, alloc>>20)
		}
		// The image answers ranges too.
		d := &download{rng: "bytes=0-7"}
		b.downloadAll(path, me.Access, []*download{d})
		if d.status != 206 || string(d.head) != "\x89PNG\r\n\x1a\n" || !strings.HasPrefix(d.header.Get("Content-Range"), "bytes 0-7/") {
			t.Fatalf("page range: %d %q %v", d.status, d.head, d.header)
		}
	})
}
