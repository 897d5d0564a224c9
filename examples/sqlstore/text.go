package sqlstore

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/itsmkit/itsm/lifecycle"
)

// Text that the databases cannot hold.
//
// PostgreSQL refuses, in a text column or parameter, both the NUL character
// and byte sequences that are not UTF-8; SQLite would store them, and
// encoding/json silently replaces invalid UTF-8 in a record's document
// with U+FFFD. So that both dialects answer the same way, and never with a
// driver error, the stores check text before it reaches SQL:
//
//   - an ID or a filter value that cannot be stored cannot exist either: Get
//     and Update answer lifecycle.ErrNotFound, List matches nothing, without
//     a query;
//   - a record (or event) whose indexed columns or link tables would hold
//     such text, or whose document holds invalid UTF-8, is refused with a
//     *lifecycle.ValidationError naming the field (NUL is fine in the
//     document, where JSON escapes it).

// storable reports whether s fits a text column of both dialects: valid
// UTF-8 without NUL.
func storable(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// checkText returns a *lifecycle.ValidationError for field when s cannot be
// stored in a text column.
func checkText(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return lifecycle.Invalid(field, "not valid UTF-8 text")
	case strings.IndexByte(s, 0) >= 0:
		return lifecycle.Invalid(field, "contains a NUL character")
	}
	return nil
}

// checkTexts is checkText for each of ids, naming field.
func checkTexts(field string, ids []string) error {
	for _, id := range ids {
		if err := checkText(field, id); err != nil {
			return err
		}
	}
	return nil
}

// checkUTF8 walks x, a record or an event about to be encoded as JSON, and
// returns a *lifecycle.ValidationError naming the JSON path, under root,
// of the first string (or map key) that is not valid UTF-8, which
// encoding/json would otherwise alter.
func checkUTF8(root string, x any) error {
	if path, ok := findInvalidUTF8(reflect.ValueOf(x), root); !ok {
		return lifecycle.Invalid(path, "not valid UTF-8 text")
	}
	return nil
}

// findInvalidUTF8 reports false, and where, when v holds a string that is
// not valid UTF-8.
func findInvalidUTF8(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return path, false
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return findInvalidUTF8(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", true // []byte is base64 in JSON
		}
		for i := range v.Len() {
			if p, ok := findInvalidUTF8(v.Index(i), path+"["+strconv.Itoa(i)+"]"); !ok {
				return p, false
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String && !utf8.ValidString(k.String()) {
				return join(path, "(key)"), false
			}
			if p, ok := findInvalidUTF8(iter.Value(), join(path, fmt.Sprint(k.Interface()))); !ok {
				return p, false
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, ok := f.Tag.Lookup("json"); ok {
				n, _, _ := strings.Cut(tag, ",")
				if n == "-" {
					continue
				}
				if n != "" {
					name = n
				}
			}
			if f.Anonymous && name == f.Name {
				name = "" // embedded: its fields are promoted
			}
			if p, ok := findInvalidUTF8(v.Field(i), join(path, name)); !ok {
				return p, false
			}
		}
	}
	return "", true
}

func join(path, name string) string {
	switch {
	case path == "":
		return name
	case name == "":
		return path
	}
	return path + "." + name
}

// afterBound translates a paging cursor into a condition on stored IDs,
// which are all storable: for every storable id, id > after exactly when
// "id op bound" holds (op is ">" or ">="). ok is false when no storable ID
// sorts after it. A cursor the store issued is storable and comes back
// unchanged; any other string still pages the way a byte-wise comparison
// with it would, on both dialects.
func afterBound(after string) (op, bound string, ok bool) {
	k := firstUnstorable(after)
	if k < 0 {
		return ">", after, true
	}
	prefix := after[:k]
	if after[k] == 0 {
		// Every storable ID extending prefix continues with a byte above 0,
		// so it sorts after both prefix and after; the rest compare alike.
		return ">", prefix, true
	}
	// after continues prefix with a sequence that no character encodes: a
	// storable ID extending prefix sorts after it exactly when its next
	// character's encoding does, that is, when that character is at least
	// the smallest one whose encoding sorts above the sequence.
	if r, found := smallestRuneAbove(after[k:]); found {
		return ">=", prefix + string(r), true
	}
	// No character does: only IDs beyond everything starting with prefix.
	s, found := successor(prefix)
	return ">=", s, found
}

// firstUnstorable returns the index of the first NUL or invalid UTF-8
// byte of s, or -1.
func firstUnstorable(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0 || (r == utf8.RuneError && size == 1) {
			return i
		}
		i += size
	}
	return -1
}

// smallestRuneAbove returns the smallest character other than NUL whose
// UTF-8 encoding sorts byte-wise after s, which starts with no valid
// encoding. UTF-8 keeps code point order, so a binary search over code
// points finds it (surrogates, which have no encoding, are ranked by the
// three bytes their encoding would have).
func smallestRuneAbove(s string) (rune, bool) {
	above := func(r rune) bool { return encodeAny(r) > s }
	if !above(utf8.MaxRune) {
		return 0, false
	}
	lo, hi := rune(1), rune(utf8.MaxRune) // above(hi) holds
	for lo < hi {
		mid := lo + (hi-lo)/2
		if above(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo >= 0xD800 && lo <= 0xDFFF {
		lo = 0xE000 // the first character after the surrogates
	}
	return lo, true
}

// encodeAny is the UTF-8 encoding of r, surrogates included.
func encodeAny(r rune) string {
	if r >= 0xD800 && r <= 0xDFFF {
		return string([]byte{0xE0 | byte(r>>12), 0x80 | byte(r>>6)&0x3F, 0x80 | byte(r)&0x3F})
	}
	return string(r)
}

// successor returns the smallest storable string that sorts after every
// string starting with prefix (a storable string), if there is one.
func successor(prefix string) (string, bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
		if r < utf8.MaxRune {
			r++
			if r == 0xD800 {
				r = 0xE000
			}
			return prefix + string(r), true
		}
	}
	return "", false
}
