package middleware

import "net/http"

// cors holds the exact origins allowed cross-origin access.
type cors map[string]bool

func newCORS(allowedOrigins []string) cors {
	allowed := make(cors, len(allowedOrigins))
	for _, origin := range allowedOrigins {
		allowed[origin] = true
	}
	return allowed
}

// apply adds the CORS headers: responses to an allowed Origin carry Access-Control-Allow-Origin and
// Vary: Origin, and an allowed preflight (OPTIONS with Access-Control-Request-Method) also gets the allowed
// methods and headers; the route answers it (204). Other origins get no Access-Control-Allow-Origin header.
func (c cors) apply(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h.Add("Vary", "Origin")
	if !c[origin] {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		return
	}
	h.Set("Access-Control-Expose-Headers", "Location")
}
