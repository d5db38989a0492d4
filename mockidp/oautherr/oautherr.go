// Package oautherr defines OAuth 2.0 errors as values that carry the error
// code, its description and the HTTP status the spec names for them, and
// renders them as the JSON body token endpoints answer with (rule T5).
// Browser-facing renderings (the error page, a redirect to the callback) live
// with the pages and the authorize handler, and take the same values.
package oautherr

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Error is an OAuth error response.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	// Status is the HTTP status for JSON responses; 400 when zero.
	Status int `json:"-"`
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// HTTPStatus is the status to answer with.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// WithStatus returns a copy of e with another HTTP status.
func (e *Error) WithStatus(status int) *Error {
	n := *e
	n.Status = status
	return &n
}

// New returns an error with the given status, code and description.
func New(status int, code, description string) *Error {
	return &Error{Code: code, Description: description, Status: status}
}

// Standard codes (RFC 6749, OpenID Connect Core, RFC 8693).
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeLoginRequired           = "login_required"
	CodeConsentRequired         = "consent_required"
	CodeInvalidTarget           = "invalid_target"
	CodeInvalidToken            = "invalid_token"
)

func InvalidRequest(desc string) *Error { return New(http.StatusBadRequest, CodeInvalidRequest, desc) }
func InvalidClient(desc string) *Error  { return New(http.StatusUnauthorized, CodeInvalidClient, desc) }
func InvalidGrant(desc string) *Error   { return New(http.StatusBadRequest, CodeInvalidGrant, desc) }
func UnauthorizedClient(desc string) *Error {
	return New(http.StatusForbidden, CodeUnauthorizedClient, desc)
}
func UnsupportedGrantType(desc string) *Error {
	return New(http.StatusBadRequest, CodeUnsupportedGrantType, desc)
}
func UnsupportedResponseType(desc string) *Error {
	return New(http.StatusBadRequest, CodeUnsupportedResponseType, desc)
}
func AccessDenied(desc string) *Error  { return New(http.StatusForbidden, CodeAccessDenied, desc) }
func LoginRequired(desc string) *Error { return New(http.StatusBadRequest, CodeLoginRequired, desc) }
func ConsentRequired(desc string) *Error {
	return New(http.StatusBadRequest, CodeConsentRequired, desc)
}
func InvalidTarget(desc string) *Error { return New(http.StatusBadRequest, CodeInvalidTarget, desc) }
func ServerError(desc string) *Error {
	return New(http.StatusInternalServerError, CodeServerError, desc)
}

// DeclinedDescription is the description of access_denied after a user
// declines consent (rule D2).
const DeclinedDescription = "User did not authorize the request"

// As returns err as an *Error, wrapping anything else as a server_error
// whose description does not leak internals.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ServerError("The server encountered an internal error.")
}

// WriteJSON writes err as a JSON error body with its status and the
// no-store headers RFC 6749 section 5.2 asks for.
func WriteJSON(w http.ResponseWriter, err error) {
	e := As(err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Code == CodeInvalidClient && e.HTTPStatus() == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	w.WriteHeader(e.HTTPStatus())
	_ = json.NewEncoder(w).Encode(e)
}
