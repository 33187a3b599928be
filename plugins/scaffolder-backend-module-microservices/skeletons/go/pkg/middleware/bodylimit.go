package middleware

import (
	"errors"
	"io"
	"net/http"
)

// limitBody caps the request body at maxBytes. Reading past the cap fails with *http.MaxBytesError (see
// IsBodyTooLarge); a declared Content-Length above it fails on the first read, without reading anything, so the
// handler that reads the body answers 413 after routing and authentication like any other error.
func limitBody(w http.ResponseWriter, r *http.Request, maxBytes int64) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	if r.ContentLength > maxBytes {
		r.Body = tooLargeBody{limit: maxBytes, body: r.Body}
		return
	}
	// w must be the server's own ResponseWriter: MaxBytesReader tells it to close the connection after the answer.
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
}

// tooLargeBody stands for a body whose declared length exceeds the limit.
type tooLargeBody struct {
	limit int64
	body  io.ReadCloser
}

func (b tooLargeBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
func (b tooLargeBody) Close() error             { return b.body.Close() }

// IsBodyTooLarge reports whether err comes from reading past the body limit.
func IsBodyTooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// drainLimit bounds how much of a refused body is read and discarded after the 413.
const drainLimit = 8 << 20

// WritePayloadTooLarge writes 413 payload_too_large. When the client declared a body over the limit, the answer
// goes out at once and the rest of the body (up to 8 MiB) is then read and thrown away before the connection
// closes: closing a socket with unread data resets it, and a client that sends its whole body before reading
// (most do) would get that reset instead of the 413.
func WritePayloadTooLarge(w http.ResponseWriter, r *http.Request) {
	body, declared := r.Body.(tooLargeBody)
	if !declared {
		WriteError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "request body is too large")
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.EnableFullDuplex() // read the body after answering (HTTP/1; HTTP/2 always can)
	w.Header().Set("Connection", "close")
	WriteError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "request body is too large")
	_ = rc.Flush()
	_, _ = io.Copy(io.Discard, io.LimitReader(body.body, drainLimit))
}
