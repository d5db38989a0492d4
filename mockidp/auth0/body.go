package auth0

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
)

// parseParams reads the body of a token or revocation request (parseBody)
// and refuses a parameter given more than once (A7, which holds there too:
// RFC 6749 section 3.2).
func parseParams(w http.ResponseWriter, r *http.Request) *oautherr.Error {
	if e := parseBody(w, r); e != nil {
		return e
	}
	if name := engine.Repeated(r.PostForm); name != "" {
		return engine.RepeatedError(name)
	}
	return nil
}

// parseBody reads a POST body of the token, revocation and cross-origin
// authentication endpoints into r.PostForm: application/json (an object
// whose values are strings, numbers or booleans, as Auth0's SDKs send;
// rule W3) or application/x-www-form-urlencoded. At most engine.MaxFormBytes.
func parseBody(w http.ResponseWriter, r *http.Request) *oautherr.Error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return engine.ParseForm(w, r)
	}
	if len(r.URL.RawQuery) > engine.MaxQueryBytes {
		return oautherr.New(http.StatusRequestURITooLong, oautherr.CodeInvalidRequest,
			"The query string is too long (at most "+strconv.Itoa(engine.MaxQueryBytes)+" bytes).")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, engine.MaxFormBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return oautherr.New(http.StatusRequestEntityTooLarge, oautherr.CodeInvalidRequest,
				"The request body is too large (at most "+strconv.Itoa(engine.MaxFormBytes>>10)+" KiB).")
		}
		return oautherr.InvalidRequest("The request body could not be read.")
	}
	form, e := jsonForm(raw)
	if e != nil {
		return e
	}
	// A JSON body's parameters are the post's, as a form's would be; the
	// query stays out of them (RFC 6749 sends none there).
	r.PostForm, r.Form = form, form
	return nil
}

// jsonForm turns a JSON object into form values.
func jsonForm(raw []byte) (url.Values, *oautherr.Error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, oautherr.InvalidRequest("The request body is not a JSON object.")
	}
	if dec.More() {
		return nil, oautherr.InvalidRequest("The request body has data after the JSON object.")
	}
	form := url.Values{}
	for k, v := range obj {
		switch v := v.(type) {
		case string:
			form.Set(k, v)
		case json.Number:
			form.Set(k, v.String())
		case bool:
			form.Set(k, strconv.FormatBool(v))
		case nil:
			// null: as if absent
		default:
			return nil, oautherr.InvalidRequest(`The parameter "` + k + `" must be a string.`)
		}
	}
	return form, nil
}
