package oktaadmin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/consentry/consentry/mockidp/okta"
)

// apiError is Okta's error body. errorLink equals errorCode (Okta: "not yet
// implemented"); errorId is a fresh oae... id per answer.
type apiError struct {
	Status       int          `json:"-"`
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func (e *apiError) Error() string { return e.ErrorCode + ": " + e.ErrorSummary }

func newError(status int, code, summary string, causes ...string) *apiError {
	e := &apiError{Status: status, ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorCauses: []errorCause{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, errorCause{ErrorSummary: c})
	}
	return e
}

var (
	errInvalidSession = newError(http.StatusForbidden, "E0000005", "Invalid session")
	errInvalidToken   = newError(http.StatusUnauthorized, "E0000011", "Invalid token provided")
	errMalformed      = newError(http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
	errMethod         = newError(http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
	errDeleteActive   = newError(http.StatusForbidden, "E0000056", "Delete application forbidden.")
	errTooLarge       = newError(http.StatusRequestEntityTooLarge, "E0000003", "The request body was not well-formed.", "The request body is larger than 1 MiB.")
	errInternal       = newError(http.StatusInternalServerError, "E0000009", "Internal Server Error")
)

// notFound is E0000007 as Okta words it: "Not found: Resource not found:
// <id> (<Type>)".
func notFound(id, kind string) *apiError {
	return newError(http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" ("+kind+")")
}

// invalid is E0000001 "Api validation failed: <property>" with its causes.
func invalid(property string, causes ...string) *apiError {
	return newError(http.StatusBadRequest, "E0000001", "Api validation failed: "+property, causes...)
}

// fromValidation turns a domain validation error into E0000001.
func fromValidation(err error) error {
	var ve *okta.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	causes := make([]string, len(ve.Causes))
	for i, c := range ve.Causes {
		causes[i] = c.String()
	}
	return invalid(ve.Summary(), causes...)
}

// storeErr maps a store error: ErrNotFound becomes nf, ErrConflict becomes
// "An object with this field already exists" on field; anything else is
// kept and becomes a logged 500.
func storeErr(err error, nf *apiError, field string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, okta.ErrNotFound) && nf != nil:
		return nf
	case errors.Is(err, okta.ErrConflict) && field != "":
		top, _, _ := strings.Cut(field, ".")
		return invalid(top, field+": An object with this field already exists in the current organization")
	}
	return err
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = errInternal
	}
	n := *e
	n.ErrorID = okta.NewID(okta.PrefixErrorID) + okta.NewID("")[:5]
	writeJSON(w, n.Status, &n)
}
