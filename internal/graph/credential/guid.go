package credential

// IsGUID reports whether s is a GUID in its 8-4-4-4-12 hexadecimal form, in
// either case, as tenant, client and object ids are.
func IsGUID(s string) bool {
	_, ok := ParseGUID(s)
	return ok
}

// ParseGUID reads the 8-4-4-4-12 hex form into its 16 bytes, without
// allocating (the Graph client keys every user it lists by its object id).
func ParseGUID(s string) ([16]byte, bool) {
	var k [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return k, false
	}
	n := 0
	for i := range 36 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		v, ok := hexValue(s[i])
		if !ok {
			return k, false
		}
		k[n/2] |= v << (4 * uint(1-n%2))
		n++
	}
	return k, true
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
