package engine

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/oautherr"
)

// Methods are the request methods chi routes.
var Methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace}

// Route serves path with a handler per method, and every other method with
// wrong(allowed), allowed being the Allow header's value ("GET, POST").
// OPTIONS, when served, is only there for CORS preflights and is not
// listed.
func Route(r chi.Router, path string, hs map[string]http.HandlerFunc, wrong func(allow string) http.HandlerFunc) {
	var allowed []string
	for _, m := range Methods {
		if _, ok := hs[m]; ok && m != http.MethodOptions {
			allowed = append(allowed, m)
		}
	}
	allow := strings.Join(allowed, ", ")
	for _, m := range Methods {
		if h, ok := hs[m]; ok {
			r.Method(m, path, h)
		} else {
			r.Method(m, path, wrong(allow))
		}
	}
}

// MethodError is the 405 refusal of a method an endpoint does not serve;
// the face writes it in the endpoint's error shape after setting Allow.
func MethodError(r *http.Request, allow string) *oautherr.Error {
	return oautherr.New(http.StatusMethodNotAllowed, oautherr.CodeInvalidRequest,
		"The method "+r.Method+" is not allowed on "+r.URL.Path+": use "+allow+".")
}
