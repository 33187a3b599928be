package middleware

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// BodyLimit caps request bodies at maxBytes: a declared Content-Length above it is refused at once with
// 413 payload_too_large, and reading past it fails with *http.MaxBytesError (see IsBodyTooLarge).
func BodyLimit(maxBytes int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBytes {
			AbortWithPayloadTooLarge(c)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBytes)
		c.Next()
	}
}

// IsBodyTooLarge reports whether err comes from reading past the body limit.
func IsBodyTooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// AbortWithPayloadTooLarge writes 413 payload_too_large.
func AbortWithPayloadTooLarge(c *gin.Context) {
	AbortWithError(c, http.StatusRequestEntityTooLarge, "payload_too_large", "request body is too large")
}
