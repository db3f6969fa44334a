package txgroup_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"sentry/backend/txgroup"
)

// member joins the open batch (or starts one whose end records its
// result in ended), as a store's BeginTx would, and returns it.
func member(t *testing.T, g *txgroup.Group, ended chan<- error) *txgroup.Batch {
	t.Helper()
	if err := g.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := g.Current()
	if b == nil {
		b = g.Start(func(err error) error { ended <- err; return err })
	}
	b.Members++
	return b
}

func waitInLine(t *testing.T, g *txgroup.Group, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for g.Waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d in line, want %d", g.Waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Callers that line up while the lock is held join one batch, which ends
// once, when the last of them releases with nobody waiting; each is
// answered only after that end.
func TestCallersInLineShareOneBatch(t *testing.T) {
	var g txgroup.Group
	ended := make(chan error, 10)
	var sizes []int
	g.SetStats(func(n int) { sizes = append(sizes, n) })
	first := member(t, &g, ended)
	var wg sync.WaitGroup
	batches := make([]*txgroup.Batch, 3)
	for i := range batches {
		wg.Go(func() {
			batches[i] = member(t, &g, ended)
			g.Release()
			if err := batches[i].Wait(); err != nil {
				t.Error(err)
			}
		})
		waitInLine(t, &g, i+1)
	}
	g.Release()
	wg.Wait()
	if err := first.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if b != first {
			t.Fatal("a caller in line started a batch of its own")
		}
	}
	if len(ended) != 1 || len(sizes) != 1 || sizes[0] != 4 {
		t.Fatalf("%d ends, batches %v; want one of 4", len(ended), sizes)
	}
}

// A batch holds at most Max members; the next caller starts another.
func TestMaxBoundsABatch(t *testing.T) {
	g := txgroup.Group{Max: 2}
	ended := make(chan error, 10)
	var sizes []int
	g.SetStats(func(n int) { sizes = append(sizes, n) })
	first := member(t, &g, ended)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			member(t, &g, ended)
			g.Release()
		})
		waitInLine(t, &g, i+1)
	}
	g.Release()
	wg.Wait()
	_ = first.Wait()
	if len(sizes) != 2 || sizes[0] != 2 || sizes[1] != 2 {
		t.Fatalf("batches %v, want two of 2", sizes)
	}
}

// A failed batch ends at once, with every member answered its error, and
// the next caller starts a fresh batch.
func TestFailEndsTheBatchForEveryone(t *testing.T) {
	var g txgroup.Group
	ended := make(chan error, 10)
	broken := errors.New("savepoint lost")
	b := member(t, &g, ended)
	var second error
	var wg sync.WaitGroup
	wg.Go(func() {
		m := member(t, &g, ended)
		g.Release()
		second = m.Wait()
	})
	waitInLine(t, &g, 1)
	b.Fail(broken)
	b.Fail(errors.New("a later failure")) // the first is kept
	g.Release()                           // ends the batch although someone waits
	if err := b.Wait(); !errors.Is(err, broken) {
		t.Fatalf("first member: %v", err)
	}
	wg.Wait()
	if second != nil {
		t.Fatalf("the caller after a failed batch: %v", second)
	}
	if got := <-ended; !errors.Is(got, broken) {
		t.Fatalf("end was given %v", got)
	}
}

// A caller whose context ends while it waits leaves the line; the group
// goes on.
func TestCancelledWaiterLeavesTheLine(t *testing.T) {
	var g txgroup.Group
	ended := make(chan error, 10)
	b := member(t, &g, ended)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() { got <- g.Acquire(ctx) }()
	waitInLine(t, &g, 1)
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if n := g.Waiting(); n != 0 {
		t.Fatalf("%d still in line", n)
	}
	g.Release()
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	member(t, &g, ended) // the lock is free again
	g.Release()
}

// With Overlap, the next batch begins while the last one is still ending;
// without it, the lock waits for the end.
func TestOverlapBeginsTheNextBatchDuringTheEnd(t *testing.T) {
	for _, overlap := range []bool{true, false} {
		g := txgroup.Group{Overlap: overlap}
		if err := g.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ending, finish := make(chan struct{}), make(chan struct{})
		b := g.Start(func(err error) error { close(ending); <-finish; return err })
		b.Members++
		go g.Release() // ends the batch (nobody waits)
		<-ending
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := g.Acquire(ctx)
		cancel()
		if overlap && err != nil {
			t.Fatalf("overlap: the lock was not handed on during the end: %v", err)
		}
		if !overlap && err == nil {
			t.Fatal("no overlap: the lock was taken while a batch was ending")
		}
		if overlap && g.Current() != nil {
			t.Fatal("overlap: the ending batch is still the current one")
		}
		close(finish)
		if err := b.Wait(); err != nil {
			t.Fatal(err)
		}
		if overlap {
			g.Release()
		}
	}
}
