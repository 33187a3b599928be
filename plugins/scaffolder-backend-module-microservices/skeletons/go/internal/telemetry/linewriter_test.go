package telemetry

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowBuffer is an output that records writes and lets the test see how many there were.
type slowBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (b *slowBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.buf.Write(p)
}

func TestLineWriterKeepsEveryLineInOrder(t *testing.T) {
	out := &slowBuffer{}
	w := NewLineWriter(out)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				_, _ = fmt.Fprintf(w, "%d %d\n", g, i)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("after close\n")) // written synchronously

	got := strings.Split(strings.TrimSuffix(out.buf.String(), "\n"), "\n")
	if len(got) != writers*lines+1 || got[len(got)-1] != "after close" {
		t.Fatalf("%d lines, last %q; want %d, then the line written after Close", len(got), got[len(got)-1], writers*lines+1)
	}
	next := make([]int, writers)
	for _, line := range got[:len(got)-1] {
		var g, i int
		if _, err := fmt.Sscanf(line, "%d %d", &g, &i); err != nil || i != next[g] {
			t.Fatalf("line %q out of order or torn (want %d %d)", line, g, next[g])
		}
		next[g]++
	}
	if out.writes >= writers*lines {
		t.Logf("no batching happened (%d writes); fine on an idle machine", out.writes)
	}
}

// gatedWriter blocks every write until the gate is open, as a stdout nobody reads.
type gatedWriter struct {
	gate chan struct{}
	mu   sync.Mutex
	n    int
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n += len(p)
	return len(p), nil
}

// When the output stalls, Write blocks once maxPending bytes wait: memory stays bounded.
func TestLineWriterBlocksWhenTheBufferIsFull(t *testing.T) {
	out := &gatedWriter{gate: make(chan struct{})}
	w := NewLineWriter(out)
	line := []byte(strings.Repeat("x", 1023) + "\n")
	const lines = 2 * maxPending / 1024
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range lines {
			_, _ = w.Write(line)
		}
	}()
	select {
	case <-done:
		t.Fatalf("%d bytes queued behind a stalled output without blocking", lines*len(line))
	case <-time.After(200 * time.Millisecond):
	}
	close(out.gate)
	<-done
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out.n != lines*len(line) {
		t.Fatalf("wrote %d bytes, want %d", out.n, lines*len(line))
	}
}
