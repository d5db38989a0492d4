package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"sigs.k8s.io/yaml"
)

// sections are the top-level keys of a tenant file.
const sections = "vendor, settings, clients, apis, connections, users, client_grants, grants, password_cost"

// rawFile is the top level of a tenant file; each item is decoded on its
// own so that an error can name the item it is in.
type rawFile struct {
	// Vendor may say "auth0"; an Okta org file (vendor: okta) has its own
	// parser, ParseOkta.
	Vendor       string            `json:"vendor"`
	Settings     json.RawMessage   `json:"settings"`
	Clients      []json.RawMessage `json:"clients"`
	APIs         []json.RawMessage `json:"apis"`
	Connections  []json.RawMessage `json:"connections"`
	Users        []json.RawMessage `json:"users"`
	ClientGrants []json.RawMessage `json:"client_grants"`
	Grants       []json.RawMessage `json:"grants"`
	PasswordCost *int              `json:"password_cost"`
}

// toJSON converts the YAML to JSON, refusing duplicate keys.
func toJSON(data []byte) ([]byte, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:")
		// The converter names an unsupported key with the value beside it
		// ("unsupported map key of type: ..., key: ..., value: ..."), and a
		// value may be a secret: say what is wrong without quoting either.
		if i := strings.Index(msg, "unsupported map key"); i >= 0 {
			msg = msg[:i] + "a mapping key must be a string, a number or a boolean (an empty or null key is not)"
		}
		return nil, errors.New(strings.Join(strings.Fields(msg), " "))
	}
	return js, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// decodeItem decodes one item and records a problem when it fails.
func (p *parser) decodeItem(item string, data json.RawMessage, v any) bool {
	err := decodeStrict(data, v)
	if err == nil {
		return true
	}
	field, msg := explain(err)
	p.fail(item, field, "%s", msg)
	return false
}

// explain turns a decoding error into a field and a message. It never
// quotes the offending value: it may be a password or a secret.
func explain(err error) (field, msg string) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		got, _, _ := strings.Cut(te.Value, " ") // "number 5" -> "number"
		msg = fmt.Sprintf("must be %s, not %s", describe(te.Type), article(got))
		if te.Type.Kind() == reflect.String && (got == "number" || got == "bool") {
			msg += " (quote it)"
		}
		return jsonPath(te.Field), msg
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "", "unknown field " + name
	}
	return "", err.Error()
}

// describe says in words what a value of type t looks like in YAML.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describe(t.Elem())
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// article names a JSON kind the way a YAML user thinks of it.
func article(jsonKind string) string {
	switch jsonKind {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	}
	return jsonKind
}

// peekName finds a name for an item to use in errors before it is decoded
// strictly: the first of keys that holds a non-empty string.
func peekName(data json.RawMessage, keys ...string) string {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// jsonPath drops the Go names of embedded structs from a decoding error's
// field path ("Client.callbacks" -> "callbacks"): the file's field names
// are all lower case.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	for len(parts) > 1 && parts[0] != "" && unicode.IsUpper(rune(parts[0][0])) {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}
