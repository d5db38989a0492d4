package storetest

import (
	"reflect"
	"time"
)

// equal reports whether a and b hold the same data. It is reflect.DeepEqual
// with two allowances a durable backend needs: a nil slice equals an empty
// one (a decoder may produce either), and times are compared with
// time.Time.Equal (a decoder drops the monotonic reading and may change the
// location).
func equal(a, b any) bool {
	return deepEqual(reflect.ValueOf(a), reflect.ValueOf(b))
}

var timeType = reflect.TypeFor[time.Time]()

func deepEqual(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return deepEqual(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !deepEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !deepEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !deepEqual(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	default:
		// Unexported fields cannot be turned into interfaces; the tenant
		// types have none, but compare them safely anyway.
		if !a.CanInterface() {
			return reflect.DeepEqual(a, b)
		}
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
}
