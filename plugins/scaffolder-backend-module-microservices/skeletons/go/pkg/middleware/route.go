package middleware

import (
	"regexp"

	"github.com/gin-gonic/gin"
)

// UnmatchedRoute labels requests that matched no route.
const UnmatchedRoute = "unmatched"

var pathParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// RouteTemplate returns the matched route in OpenAPI form (/api/v1/things/{id}), or "unmatched".
func RouteTemplate(c *gin.Context) string {
	return OpenAPIPath(c.FullPath())
}

// OpenAPIPath converts a gin route pattern (/things/:id) to OpenAPI form (/things/{id}); "" gives "unmatched".
func OpenAPIPath(ginPath string) string {
	if ginPath == "" {
		return UnmatchedRoute
	}
	return pathParam.ReplaceAllString(ginPath, "{$1}")
}
