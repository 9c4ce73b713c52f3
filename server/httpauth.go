package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
)

// minHTTPTokenLen is the shortest HTTPToken accepted: 16 characters of the
// bearer-token alphabet are at least ~96 bits if chosen at random.
const minHTTPTokenLen = 16

// parseHTTPToken checks an HTTPToken value: empty (no authentication), or at
// least minHTTPTokenLen characters of RFC 6750's token alphabet (letters,
// digits, - . _ ~ + /, then optional trailing =), so that it can be sent as
// "Authorization: Bearer <token>" unchanged.
func parseHTTPToken(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) < minHTTPTokenLen {
		return "", errors.New("must be at least 16 characters (e.g. openssl rand -hex 32)")
	}
	body := strings.TrimRight(v, "=")
	if body == "" {
		return "", errors.New("must not be only '=' characters")
	}
	for _, c := range body {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~+/", c)
		if !ok {
			return "", errors.New("may hold only letters, digits and - . _ ~ + / (then = padding)")
		}
	}
	return v, nil
}

// bearerAuth serves h only to requests carrying "Authorization: Bearer
// <token>" (the scheme in any case). The comparison takes the same time
// whatever the token sent: both sides are hashed, so neither the position of
// the first wrong byte nor the token's length shows in the timing. Anything
// else gets 401 with a WWW-Authenticate challenge (RFC 6750), error="invalid_token"
// when a bearer token was sent but is wrong.
func bearerAuth(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, sent := bearerToken(r.Header.Get("Authorization"))
		if sent {
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		challenge := `Bearer realm="matchd"`
		if sent {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "unauthorized: send Authorization: Bearer <HTTPToken>", http.StatusUnauthorized)
	})
}

// bearerToken returns the token of an Authorization header value of the
// Bearer scheme.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

// loopback reports whether a listener's address is on the loopback interface.
func loopback(addr net.Addr) bool {
	a, ok := addr.(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}
