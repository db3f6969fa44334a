package tesseract

/*
#cgo LDFLAGS: -lgomp
extern void omp_set_num_threads(int);
extern void omp_set_dynamic(int);
static void sentry_omp_one_thread(void) {
	omp_set_dynamic(1);
	omp_set_num_threads(1);
}
*/
import "C"

// oneThread keeps Tesseract's parallel loops (OpenMP) on the calling OS
// thread: the settings belong to that thread, so callers lock the goroutine
// to it first. Tesseract asks for several threads by name in its loops, so
// the thread count alone is not enough; with dynamic adjustment on, the
// runtime may give fewer, and the count caps it at one. Pages are read in
// parallel by the client pool instead. OpenMP's threads spin while they wait
// for work: next to other busy processes a 300 dpi page took 11 s with its
// default threads and 2.9 s with one (docs/BENCHMARKS.md).
func oneThread() { C.sentry_omp_one_thread() }
