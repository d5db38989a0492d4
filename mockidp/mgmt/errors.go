package mgmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/consentry/consentry/mockidp/tenant"
)

// apiError is an error answer in the Management API's shape:
// {"statusCode":400,"error":"Bad Request","message":"...","errorCode":"invalid_body"}.
type apiError struct {
	StatusCode int    `json:"statusCode"`
	Err        string `json:"error"`
	Message    string `json:"message"`
	ErrorCode  string `json:"errorCode,omitempty"`
}

func (e *apiError) Error() string { return e.ErrorCode + ": " + e.Message }

func newError(status int, code, message string) *apiError {
	return &apiError{StatusCode: status, Err: http.StatusText(status), Message: message, ErrorCode: code}
}

// Error codes the Management API answers with.
const (
	codeInvalidToken        = "invalid_token"
	codeInsufficientScope   = "insufficient_scope"
	codeInvalidBody         = "invalid_body"
	codeInvalidQuery        = "invalid_query_string"
	codeInvalidURI          = "invalid_uri"
	codeConflict            = "conflict"
	codeUserExists          = "auth0_idp_error"
	codeOperationNotAllowed = "operation_not_supported"
	codePayloadTooLarge     = "payload_too_large"
	codeInexistentClient    = "inexistent_client"
	codeInexistentRS        = "inexistent_resource_server"
	codeInexistentCGrant    = "inexistent_client_grant"
	codeInexistentUser      = "inexistent_user"
	codeInexistentGrant     = "inexistent_grant"
)

var (
	errInvalidToken = newError(http.StatusUnauthorized, codeInvalidToken, "Invalid token.")
	errBadJSON      = newError(http.StatusBadRequest, codeInvalidBody, "Invalid request payload JSON format")
	errTooLarge     = newError(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "Payload content length greater than maximum allowed: 1048576")
	errNotFound     = newError(http.StatusNotFound, "", "Not Found")
	errInternal     = newError(http.StatusInternalServerError, "", "Internal error")

	errClientNotFound      = newError(http.StatusNotFound, codeInexistentClient, "The client does not exist")
	errRSNotFound          = newError(http.StatusNotFound, codeInexistentRS, "The resource server does not exist")
	errClientGrantNotFound = newError(http.StatusNotFound, codeInexistentCGrant, "The client grant does not exist")
	errUserNotFound        = newError(http.StatusNotFound, codeInexistentUser, "The user does not exist.")
	errGrantNotFound       = newError(http.StatusNotFound, codeInexistentGrant, "The grant does not exist.")
)

func errInsufficientScope(scope string) *apiError {
	return newError(http.StatusForbidden, codeInsufficientScope, "Insufficient scope; expected any of: "+scope+".")
}

func errMethodNotAllowed() *apiError {
	return newError(http.StatusMethodNotAllowed, "", "Method Not Allowed")
}

// Payload validation errors, worded as Auth0 words them.

func errPayload(msg string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidBody, "Payload validation error: '"+msg+"'.")
}

func errPayloadOn(prop, msg string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidBody, "Payload validation error: '"+msg+"' on property "+prop+".")
}

func errType(prop, want, got string) *apiError {
	return errPayloadOn(prop, "Expected type "+want+" but found type "+got)
}

func errMissing(prop string) *apiError {
	return errPayload("Missing required property: " + prop)
}

func errEnum(prop string, raw json.RawMessage) *apiError {
	return errPayloadOn(prop, "No enum match for: "+string(raw))
}

func errReadOnly(prop string) *apiError {
	return errPayloadOn(prop, "Property is read-only and cannot be changed after creation")
}

func errQuery(prop, msg string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidQuery, fmt.Sprintf("Query validation error: '%s' on property %s.", msg, prop))
}

// storeError maps a store error to an answer: notFound for tenant.ErrNotFound,
// conflict for tenant.ErrConflict (when not nil); anything else is returned
// as is and becomes a logged 500.
func storeError(err error, notFound, conflict *apiError) error {
	switch {
	case errors.Is(err, tenant.ErrNotFound) && notFound != nil:
		return notFound
	case errors.Is(err, tenant.ErrConflict) && conflict != nil:
		return conflict
	}
	return err
}
