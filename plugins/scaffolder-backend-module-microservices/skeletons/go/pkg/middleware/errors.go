// Package middleware holds the HTTP plumbing shared by every route: request logging, metrics, panic recovery,
// CORS, the body limit and (when generated with auth) JWT bearer authentication.
package middleware

import "github.com/gin-gonic/gin"

// ErrorDetail is the body of an error response.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// ErrorResponse is the JSON shape of every error: {"error":{"code":…,"message":…}}.
type ErrorResponse struct {
	Error ErrorDetail `json:"error"`
}

// AbortWithError writes an error response and stops the handler chain.
func AbortWithError(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, ErrorResponse{Error: ErrorDetail{Code: code, Message: message}})
}
