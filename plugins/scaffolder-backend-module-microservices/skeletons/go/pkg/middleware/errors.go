// Package middleware holds the HTTP plumbing shared by every route: one layer (Observe) that traces, logs,
// counts, recovers from panics, applies CORS and caps the body, the JSON error writer, and (when generated with
// auth) JWT bearer authentication.
package middleware

import (
	"encoding/json"
	"net/http"
)

// StatusClientClosedRequest records a request whose client went away before the answer (nginx's 499): it is
// neither an error of the service nor an outage.
const StatusClientClosedRequest = 499

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

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here (every response type marshals).
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal server error"}}`)
	}
	WriteJSONBytes(w, status, body)
}

// WriteJSONBytes writes an already encoded JSON body.
func WriteJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes {"error":{"code":…,"message":…}} with the given status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, ErrorResponse{Error: ErrorDetail{Code: code, Message: message}})
}
