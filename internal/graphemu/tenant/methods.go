package tenant

import "strings"

// Fixed ids of the authentication methods, as Graph uses them.
const (
	MethodIDMobile          = "3179e48a-750b-4051-897c-87b9720928f7"
	MethodIDAlternateMobile = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	MethodIDOffice          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
	MethodIDEmail           = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
	MethodIDPassword        = "28c10230-6103-485e-b985-444c60001490" //nolint:gosec // a public method id, not a credential
)

// phoneOrder is the order Graph lists phone methods in, with their ids.
func phoneOrder() [3]struct{ typ, id string } {
	return [3]struct{ typ, id string }{
		{PhoneMobile, MethodIDMobile},
		{PhoneAlternateMobile, MethodIDAlternateMobile},
		{PhoneOffice, MethodIDOffice},
	}
}

// AuthMethods answers /users/{id|upn}/authentication/methods (kind
// AllMethods: a password method, as Graph always lists one, then phones and
// email, each with "@odata.type"), /phoneMethods and /emailMethods. Masked
// numbers are what Authentication Administrators see: "+1 XXXXXXXX21".
// These endpoints take no query options: see NoQueryOptions.
func (t *Tenant) AuthMethods(key string, kind MethodKind, masked bool) (*Page, *Error) {
	if kind != AllMethods && kind != PhoneMethods && kind != EmailMethods {
		return nil, badRequest("Unknown authentication method kind.")
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.find(key)
	if !ok {
		return nil, NotFound(key)
	}
	var u User
	d := t.deriver()
	defer t.putDeriver(d)
	t.load(c, gCore|gAuth|gActivity, &u, d)
	pg := &Page{Context: "users('" + u.ID + "')/authentication/" + [...]string{"methods", "phoneMethods", "emailMethods"}[kind]}
	b := make([]byte, 0, 512)
	b = append(b, '[')
	add := func() {
		if pg.Items > 0 {
			b = append(b, ',')
		}
		pg.Items++
	}
	typed := kind == AllMethods
	if typed {
		add()
		b = appendPasswordMethod(b, &u)
	}
	if kind != EmailMethods {
		for _, po := range phoneOrder() {
			for i := range u.Phones {
				if u.Phones[i].Type == po.typ {
					add()
					b = appendPhoneMethod(b, po.id, &u.Phones[i], masked, typed)
				}
			}
		}
	}
	if kind != PhoneMethods && u.Email != "" {
		add()
		b = appendEmailMethod(b, u.Email, typed)
	}
	b = append(b, ']')
	pg.Value = b
	return pg, nil
}

func appendPasswordMethod(b []byte, u *User) []byte {
	b = append(b, `{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"`+MethodIDPassword+`","password":null,"createdDateTime":`...)
	created := u.LastPasswordChangeDateTime
	if created == "" {
		created = u.CreatedDateTime
	}
	b = appendNullableString(b, created)
	return append(b, '}')
}

func appendPhoneMethod(b []byte, id string, ph *PhoneMethod, masked, typed bool) []byte {
	b = append(b, '{')
	if typed {
		b = append(b, `"@odata.type":"#microsoft.graph.phoneAuthenticationMethod",`...)
	}
	b = append(b, `"id":"`...)
	b = append(b, id...)
	b = append(b, `","phoneNumber":`...)
	if masked {
		b = appendString(b, maskPhone(ph.Number))
	} else {
		b = appendString(b, ph.Number)
	}
	b = append(b, `,"phoneType":`...)
	b = appendString(b, ph.Type)
	if ph.Type == PhoneMobile {
		return append(b, `,"smsSignInState":"notAllowedByPolicy"}`...)
	}
	return append(b, `,"smsSignInState":"notSupported"}`...)
}

func appendEmailMethod(b []byte, addr string, typed bool) []byte {
	b = append(b, '{')
	if typed {
		b = append(b, `"@odata.type":"#microsoft.graph.emailAuthenticationMethod",`...)
	}
	b = append(b, `"id":"`+MethodIDEmail+`","emailAddress":`...)
	b = appendString(b, addr)
	return append(b, '}')
}

// maskPhone keeps the country code and the last two digits of the national
// number, masking every other digit: "+1 4255550121x12" -> "+1 XXXXXXXX21xXX".
func maskPhone(s string) string {
	cc, rest, ok := strings.Cut(s, " ")
	if !ok {
		return strings.Repeat("X", len(s))
	}
	num, ext, hasExt := strings.Cut(rest, "x")
	digits := 0
	for i := range len(num) {
		if isDigit(num[i]) {
			digits++
		}
	}
	b := []byte(num)
	for i, seen := 0, 0; i < len(b); i++ {
		if isDigit(b[i]) {
			if seen < digits-2 {
				b[i] = 'X'
			}
			seen++
		}
	}
	out := cc + " " + string(b)
	if hasExt {
		out += "x" + strings.Repeat("X", len(ext))
	}
	return out
}
