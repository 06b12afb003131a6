package tenant

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Directory extensions: custom user properties an app registers, named
// extension_<appId without dashes>_<name>. Graph v1.0 returns them only when
// $select names them, leaves a property out of a user that has no value for
// it, and filters them with eq (ne and eq null as advanced queries; any()
// on multi-valued ones).

// ExtensionAppID is the app (client) id the standard extensions of every
// emulated tenant are registered on.
const ExtensionAppID = "5e7b9c2a-3f14-4d8e-b6a0-91c2d4f8e3a7"

// ExtensionPrefix is what the names of the standard extensions begin with:
// "extension_" and ExtensionAppID without its dashes.
const ExtensionPrefix = "extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_"

// The standard extensions, registered in every tenant and carried by a share
// of generated users (GenerateOptions.ExtensionShare).
const (
	ExtensionCostCentre   = ExtensionPrefix + "costCentre"   // String, e.g. "CC-4711"
	ExtensionBadgeNumber  = ExtensionPrefix + "badgeNumber"  // Integer
	ExtensionIsContractor = ExtensionPrefix + "isContractor" // Boolean
	ExtensionSkills       = ExtensionPrefix + "skills"       // String, multi-valued
)

// ExtensionType is the data type of a directory extension, and the Go type
// of its values in User.Extensions.
type ExtensionType uint8

// The extension data types.
const (
	ExtensionString  ExtensionType = iota // string
	ExtensionInteger                      // int
	ExtensionBoolean                      // bool
	ExtensionStrings                      // []string (a multi-valued String)
)

func (x ExtensionType) String() string {
	switch x {
	case ExtensionInteger:
		return "Integer"
	case ExtensionBoolean:
		return "Boolean"
	case ExtensionStrings:
		return "String collection"
	}
	return "String"
}

func standardExtensions() []struct {
	name string
	typ  ExtensionType
} {
	return []struct {
		name string
		typ  ExtensionType
	}{
		{ExtensionCostCentre, ExtensionString}, {ExtensionBadgeNumber, ExtensionInteger},
		{ExtensionIsContractor, ExtensionBoolean}, {ExtensionSkills, ExtensionStrings},
	}
}

// validExtensionName checks extension_<32 hex digits>_<name>.
func validExtensionName(name string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(name), "extension_")
	if !ok || len(rest) < 34 || rest[32] != '_' {
		return false
	}
	for i := range 32 {
		if !isHex(rest[i]) {
			return false
		}
	}
	for i := 33; i < len(rest); i++ {
		if c := rest[i]; c != '_' && !isDigit(c) && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// extensionTypeOf is the data type a Go value stores, for extensions given
// on explicit users.
func extensionTypeOf(v any) (ExtensionType, bool) {
	switch v.(type) {
	case string:
		return ExtensionString, true
	case int:
		return ExtensionInteger, true
	case bool:
		return ExtensionBoolean, true
	case []string:
		return ExtensionStrings, true
	}
	return 0, false
}

// registerExtension adds a directory extension to the catalogue, or checks
// that one of that name has that type. Only while the tenant is built.
func (c *catalog) registerExtension(name string, typ ExtensionType) error {
	if !validExtensionName(name) {
		return fmt.Errorf("extension %q is not named extension_<app id without dashes>_<name>: %w", name, ErrInvalid)
	}
	if p, ok := c.lookup(name); ok {
		if x := c.props[p].ext; x == nil || *x != typ {
			return fmt.Errorf("extension %q registered with another type than %s: %w", name, typ, ErrConflict)
		}
		return nil
	}
	if len(c.props) >= 255 { // props are bytes, and loops count up to len
		return fmt.Errorf("extension %q: too many extension properties: %w", name, ErrInvalid)
	}
	// Graph spells the prefix and the app id in lower case, the name as
	// registered.
	name = strings.ToLower(name[:len("extension_")+33]) + name[len("extension_")+33:]
	c.props = append(c.props, c.extensionInfo(name, typ))
	c.byName[strings.ToLower(name)] = c.count() - 1
	return nil
}

// count is the number of properties, at most 255 (registerExtension sees
// to it), so that every prop and the count itself fit a byte.
func (c *catalog) count() prop {
	return prop(len(c.props)) //nolint:gosec // bounded by registerExtension
}

func (c *catalog) extensionInfo(name string, typ ExtensionType) propInfo {
	value := func(u *User) any { return u.Extensions[name] }
	info := propInfo{name: name, group: gExt, ext: &typ, filter: parseSupport("eq=D"),
		absent: func(u *User) bool { _, ok := u.Extensions[name]; return !ok },
		enc:    func(b []byte, u *User) []byte { return appendExtension(b, value(u)) }}
	switch typ {
	case ExtensionString:
		info.typ = tString
		info.str = func(u *User) string { s, _ := value(u).(string); return s }
	case ExtensionInteger:
		info.typ = tInt
		info.str = func(u *User) string {
			if n, ok := value(u).(int); ok {
				return strconv.Itoa(n)
			}
			return ""
		}
	case ExtensionBoolean:
		info.typ = tBool
		info.boolean = func(u *User) *bool {
			v, ok := value(u).(bool)
			switch {
			case !ok:
				return nil
			case v:
				return &c.yes
			}
			return &c.no
		}
	case ExtensionStrings:
		info.typ = tCollection
		info.strs = func(u *User) []string { s, _ := value(u).([]string); return s }
	}
	return info
}

// appendExtension encodes a value of User.Extensions (null when unset).
func appendExtension(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case bool:
		return strconv.AppendBool(b, v)
	case []string:
		return appendStrings(b, v)
	}
	return append(b, "null"...)
}

// registerExtensionsOf registers every extension the explicit users carry
// that the catalogue does not know yet, typed by its values.
func (c *catalog) registerExtensionsOf(users []User) error {
	for i := range users {
		for _, name := range slices.Sorted(maps.Keys(users[i].Extensions)) {
			v := users[i].Extensions[name]
			if _, known := c.lookup(name); known || isUnsetExtension(v) {
				continue // values of known extensions are checked with the user
			}
			typ, ok := extensionTypeOf(v)
			if !ok {
				return fmt.Errorf("user %q: extension %q holds a %T (want string, int, bool or []string): %w",
					users[i].UserPrincipalName, name, v, ErrInvalid)
			}
			if err := c.registerExtension(name, typ); err != nil {
				return fmt.Errorf("user %q: %w", users[i].UserPrincipalName, err)
			}
		}
	}
	return nil
}

// normalizeExtensions checks a user's extension values against the
// catalogue and keys them by their registered names. Unset values (nil, an
// empty string or collection) are dropped, as Graph drops a value set to
// null.
func (c *catalog) normalizeExtensions(in map[string]any) (map[string]any, error) {
	var out map[string]any
	for name, v := range in {
		if isUnsetExtension(v) {
			continue
		}
		p, ok := c.lookup(name)
		if !ok || c.props[p].ext == nil {
			return nil, fmt.Errorf("extension %q is not registered: %w", name, ErrInvalid)
		}
		if typ, _ := extensionTypeOf(v); *c.props[p].ext != typ {
			return nil, fmt.Errorf("extension %q is a %s, not a %T: %w", name, *c.props[p].ext, v, ErrInvalid)
		}
		if out == nil {
			out = map[string]any{}
		}
		out[c.props[p].name] = cloneExtension(v)
	}
	return out, nil
}

func isUnsetExtension(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	}
	return false
}

func cloneExtension(v any) any {
	if s, ok := v.([]string); ok {
		return slices.Clone(s)
	}
	return v
}

func cloneExtensions(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneExtension(v)
	}
	return out
}

// sameTypeExtensions widens a set of changed properties as Graph's delta
// does: a change to one extension reports every extension of its data type.
func (c *catalog) sameTypeExtensions(set propSet) propSet {
	var types [ExtensionStrings + 1]bool
	found := false
	for p := numProps; p < c.count(); p++ {
		if set.has(p) {
			types[*c.props[p].ext], found = true, true
		}
	}
	if !found {
		return set
	}
	for p := numProps; p < c.count(); p++ {
		if types[*c.props[p].ext] {
			set.add(p)
		}
	}
	return set
}

// Skills generated users may list in the standard skills extension.
func extensionSkills() []string {
	return []string{"Go", "Python", "SQL", "Azure", "Kubernetes", "Excel", "Negotiation", "Design", "Terraform", "PowerShell"}
}

// DefaultExtensionShare is the share of generated users that carry values
// for the standard extensions when GenerateOptions.ExtensionShare is 0.
const DefaultExtensionShare = 0.6

// deriveExtensions gives a generated user values for the standard
// extensions, from its own stream: a cost centre (most), a badge number
// (most members), whether a contractor (all), and up to three skills.
func (g *generator) deriveExtensions(id *identity, u *User, d *deriver) {
	r := g.stream(id.i, gExt)
	if !r.chance(g.extShare) {
		return
	}
	if d.ext == nil {
		d.ext = map[string]any{}
	}
	clear(d.ext)
	if r.chance(0.9) {
		a := d.mark()
		d.add("CC-")
		d.addDigits(&r, 4)
		d.ext[ExtensionCostCentre] = string(d.buf[a:])
		d.buf = d.buf[:a]
	}
	if badge := 100000 + r.intn(900000); !id.guest && r.chance(0.85) {
		d.ext[ExtensionBadgeNumber] = badge
	}
	d.ext[ExtensionIsContractor] = id.guest || r.chance(0.2)
	if n := r.intn(4); n > 0 {
		all := extensionSkills()
		first := r.intn(len(all))
		skills := make([]string, n)
		for k := range skills {
			skills[k] = all[(first+k*3)%len(all)]
		}
		d.ext[ExtensionSkills] = skills
	}
	u.Extensions = d.ext
}
