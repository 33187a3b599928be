package telemetry

import (
	"io"
	"sync"
)

// maxPending bounds the log bytes waiting for the writer goroutine; past it, writers wait for the output.
const maxPending = 1 << 20

// LineWriter passes log lines to one goroutine that writes them out, so a request does not wait for the write
// system call while the buffer has room, and lines that arrive while a write is in progress go out together in
// the next one (under load, one system call carries many lines). When the output cannot keep up and maxPending
// bytes are waiting, Write blocks and writes them out itself: memory stays bounded, at the price of the caller
// waiting for the output. Lines keep their order and are written as soon as the goroutine runs: nothing waits
// for a timer. Close writes what is pending and makes later writes synchronous.
type LineWriter struct {
	out io.Writer

	mu      sync.Mutex // guards pending and closed; taken before outMu
	pending []byte
	closed  bool

	outMu sync.Mutex // serialises writes to out, so batches keep their order
	spare []byte     // the last written batch, reused; only the writer goroutine (run) touches it

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// NewLineWriter starts the writer goroutine for out.
func NewLineWriter(out io.Writer) *LineWriter {
	w := &LineWriter{
		out:  out,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go w.run()
	return w
}

// Write queues p (slog handlers write one whole line per call).
func (w *LineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed || len(w.pending)+len(p) > maxPending {
		// Closed, or the output cannot keep up: write what is pending and p now.
		w.outMu.Lock()
		defer w.outMu.Unlock()
		batch := append(w.pending, p...)
		w.pending = nil
		w.mu.Unlock()
		_, err := w.out.Write(batch)
		return len(p), err
	}
	w.pending = append(w.pending, p...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // the goroutine is already due to run
	}
	return len(p), nil
}

func (w *LineWriter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.wake:
		case <-w.stop:
			return
		}
		w.mu.Lock()
		batch := w.pending
		w.pending = w.spare[:0]
		w.outMu.Lock() // before releasing mu: a later batch cannot overtake this one
		w.mu.Unlock()
		if len(batch) > 0 {
			_, _ = w.out.Write(batch) // nowhere to report a failing stdout
		}
		w.spare = batch
		w.outMu.Unlock()
	}
}

// Close writes the pending lines, stops the goroutine and makes later writes synchronous.
func (w *LineWriter) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.outMu.Lock()
	batch := w.pending
	w.pending = nil
	w.mu.Unlock()
	var err error
	if len(batch) > 0 {
		_, err = w.out.Write(batch)
	}
	w.outMu.Unlock()
	close(w.stop)
	<-w.done
	return err
}
