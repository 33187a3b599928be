package middleware

import (
	"net/http"
	"strings"
)

// UnmatchedRoute labels requests that matched no route.
const UnmatchedRoute = "unmatched"

// OtherMethod labels every method outside the standard set, so a client cannot create series at will.
const OtherMethod = "_OTHER"

// Route returns the route template of a ServeMux pattern in OpenAPI form ("GET /things/{id}" gives
// "/things/{id}"); no pattern, or the catch-all "/", gives "unmatched". Patterns are the router's own constants,
// so the label is bounded.
func Route(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if pattern == "" || pattern == "/" {
		return UnmatchedRoute
	}
	return pattern
}

// Method returns the request method when it is one of the standard ones, "_OTHER" otherwise.
func Method(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	default:
		return OtherMethod
	}
}
