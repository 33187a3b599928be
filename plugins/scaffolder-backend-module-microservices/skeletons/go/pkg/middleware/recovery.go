package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"
)

// Recovery turns a panic into 500 {"error":{"code":"internal","message":"internal server error"}}; the panic
// value and stack go only to the log.
func Recovery(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			recovered := recover()
			if recovered == nil {
				return
			}
			if err, ok := recovered.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(recovered) // the server aborts the response on purpose
			}
			logger.ErrorContext(c.Request.Context(), "panic while serving request",
				"method", c.Request.Method,
				"path", c.Request.URL.Path,
				"panic", fmt.Sprint(recovered),
				"stack", string(debug.Stack()),
			)
			if c.Writer.Written() {
				c.Abort()
				return
			}
			AbortWithError(c, http.StatusInternalServerError, "internal", "internal server error")
		}()
		c.Next()
	}
}
