package mgmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
)

// maxBody is the largest request body the API reads (1 MiB).
const maxBody = 1 << 20

// payload is a request body kept as one raw JSON value per property, so that
// each property is checked on its own: its type, whether it is known, whether
// it may be changed, and which alias it is. The first problem found is kept
// in err and every later call does nothing, so a handler can decode a whole
// body and look at err once.
type payload struct {
	props map[string]json.RawMessage
	err   error
}

// readBody reads a request body without its surrounding white space: a
// body over the size limit is errTooLarge, any other read error errBadJSON.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errTooLarge
		}
		return nil, errBadJSON
	}
	return bytes.TrimSpace(data), nil
}

// readPayload reads a JSON object body. An empty body is an empty object.
func readPayload(r *http.Request) (*payload, error) {
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return &payload{props: map[string]json.RawMessage{}}, nil
	}
	if !json.Valid(data) {
		return nil, errBadJSON
	}
	if t := jsonType(data); t != "object" {
		return nil, errPayload("Expected type object but found type " + t)
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(data, &props); err != nil {
		return nil, errBadJSON
	}
	return &payload{props: props}, nil
}

// jsonType names the JSON type of a valid raw value as Auth0's validator
// does: string, boolean, null, object, array, integer or number.
func jsonType(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "undefined"
	}
	switch raw[0] {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "number"
	}
	return "integer"
}

func isNull(raw json.RawMessage) bool { return jsonType(raw) == "null" }

func (p *payload) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// has reports whether the body sets prop (to anything, null included).
func (p *payload) has(prop string) bool {
	_, ok := p.props[prop]
	return ok
}

// allow refuses every property not in known.
func (p *payload) allow(known ...string) {
	if p.err != nil {
		return
	}
	var extra []string
	for k := range p.props {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		p.fail(errPayload("Additional properties not allowed: " + strings.Join(extra, ",")))
	}
}

// readOnly refuses any of props.
func (p *payload) readOnly(props ...string) {
	for _, k := range props {
		if p.err == nil && p.has(k) {
			p.fail(errReadOnly(k))
		}
	}
}

// require refuses a body without every one of props.
func (p *payload) require(props ...string) {
	for _, k := range props {
		if p.err == nil && !p.has(k) {
			p.fail(errMissing(k))
		}
	}
}

// raw returns prop's raw value when it is set and nothing failed yet.
func (p *payload) raw(prop string) (json.RawMessage, bool) {
	if p.err != nil {
		return nil, false
	}
	v, ok := p.props[prop]
	return v, ok
}

// decode runs dec on prop's value when set and stores the result in dst.
// It reports whether dst was set.
func decodeProp[T any](p *payload, prop string, dst *T, dec func(prop string, raw json.RawMessage) (T, error)) bool {
	raw, ok := p.raw(prop)
	if !ok {
		return false
	}
	v, err := dec(prop, raw)
	if err != nil {
		p.fail(err)
		return false
	}
	*dst = v
	return true
}

func (p *payload) str(prop string, dst *string) bool { return decodeProp(p, prop, dst, decodeString) }
func (p *payload) boolean(prop string, dst *bool) bool {
	return decodeProp(p, prop, dst, decodeBool)
}
func (p *payload) strs(prop string, dst *[]string) bool {
	return decodeProp(p, prop, dst, decodeStrings)
}

// nonEmptyStr is str for a property that must not be the empty string.
func (p *payload) nonEmptyStr(prop string, dst *string) bool {
	return decodeProp(p, prop, dst, func(prop string, raw json.RawMessage) (string, error) {
		s, err := decodeString(prop, raw)
		if err == nil && s == "" {
			err = errPayloadOn(prop, "String is too short (0 chars), minimum 1")
		}
		return s, err
	})
}

// enum is str for a property whose value must be one of allowed.
func (p *payload) enum(prop string, dst *string, allowed ...string) bool {
	return decodeProp(p, prop, dst, func(prop string, raw json.RawMessage) (string, error) {
		s, err := decodeString(prop, raw)
		if err == nil && !slices.Contains(allowed, s) {
			err = errEnum(prop, raw)
		}
		return s, err
	})
}

// optBool sets a nullable boolean; null clears it.
func (p *payload) optBool(prop string, dst **bool) bool {
	return decodeProp(p, prop, dst, func(prop string, raw json.RawMessage) (*bool, error) {
		if isNull(raw) {
			return nil, nil
		}
		b, err := decodeBool(prop, raw)
		return &b, err
	})
}

// integer sets an integer property that must lie in [lo, hi].
func (p *payload) integer(prop string, dst *int, lo, hi int) bool {
	return decodeProp(p, prop, dst, func(prop string, raw json.RawMessage) (int, error) {
		if t := jsonType(raw); t != "integer" {
			return 0, errType(prop, "integer", t)
		}
		text := string(bytes.TrimSpace(raw))
		n, err := strconv.Atoi(text)
		if err != nil { // out of int's range
			n = hi + 1
			if strings.HasPrefix(text, "-") {
				n = lo - 1
			}
		}
		if n < lo {
			return 0, errPayloadOn(prop, "Value "+text+" is less than minimum "+strconv.Itoa(lo))
		}
		if n > hi {
			return 0, errPayloadOn(prop, "Value "+text+" is greater than maximum "+strconv.Itoa(hi))
		}
		return n, nil
	})
}

// Decoders for one value; prop names it in errors (e.g. "callbacks[2]").

func decodeString(prop string, raw json.RawMessage) (string, error) {
	if t := jsonType(raw); t != "string" {
		return "", errType(prop, "string", t)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errBadJSON
	}
	return s, nil
}

func decodeBool(prop string, raw json.RawMessage) (bool, error) {
	if t := jsonType(raw); t != "boolean" {
		return false, errType(prop, "boolean", t)
	}
	return bytes.Equal(bytes.TrimSpace(raw), []byte("true")), nil
}

func decodeArray(prop string, raw json.RawMessage) ([]json.RawMessage, error) {
	if t := jsonType(raw); t != "array" {
		return nil, errType(prop, "array", t)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errBadJSON
	}
	return items, nil
}

// decodeStrings decodes an array of strings; it never returns nil.
func decodeStrings(prop string, raw json.RawMessage) ([]string, error) {
	items, err := decodeArray(prop, raw)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, err := decodeString(prop+"["+strconv.Itoa(i)+"]", item)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// decodeObject decodes an object whose properties must all be in known.
func decodeObject(prop string, raw json.RawMessage, known ...string) (map[string]json.RawMessage, error) {
	if t := jsonType(raw); t != "object" {
		return nil, errType(prop, "object", t)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errBadJSON
	}
	var extra []string
	for k := range m {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, errPayloadOn(prop, "Additional properties not allowed: "+strings.Join(extra, ","))
	}
	return m, nil
}

// checkEnum refuses values not in allowed.
func checkEnum(prop string, values []string, allowed ...string) error {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			raw, _ := json.Marshal(v)
			return errEnum(prop+"["+strconv.Itoa(i)+"]", raw)
		}
	}
	return nil
}

// validEmail reports whether s is an email address (addr-spec only).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}
