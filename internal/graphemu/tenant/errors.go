package tenant

import (
	"fmt"
	"net/http"
	"net/url"
)

// Error is a Graph error answer: the HTTP status, Graph's code and message.
// The HTTP layer wraps it in Graph's error envelope.
type Error struct {
	Status   int
	Code     string
	Message  string
	Location url.Values // delta 410: the query to restart from (a Location header)
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// Graph's error codes used by the query engine.
const (
	CodeBadRequest         = "Request_BadRequest"
	CodeUnsupportedQuery   = "Request_UnsupportedQuery"
	CodeResourceNotFound   = "Request_ResourceNotFound"
	CodeNotImplemented     = "NotImplemented"
	CodeExpiredPageToken   = "Directory_ExpiredPageToken"
	CodeResyncRequired     = "resyncRequired"
	CodeSyncStateNotFound  = "syncStateNotFound"
	msgAdvancedQueryFormat = "Operator '%s' is not supported because the required parameters might be missing. " +
		"Try adding $count=true query parameter and ConsistencyLevel:eventual header. " +
		"Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeUnsupportedQuery, Message: fmt.Sprintf(format, args...)}
}

// NotFound is Graph's 404 for a key (an id or a userPrincipalName) that names
// no user. The HTTP layer answers its user-not-found fault with it too, so
// the two cannot drift apart.
func NotFound(key string) *Error {
	return &Error{
		Status:  http.StatusNotFound,
		Code:    CodeResourceNotFound,
		Message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key),
	}
}

func notImplemented() *Error {
	return &Error{Status: http.StatusNotImplemented, Code: CodeNotImplemented, Message: "This operation target is not yet supported."}
}

func advancedOperator(op string) *Error {
	return unsupported(msgAdvancedQueryFormat, op)
}

func unsupportedProperty(name string) *Error {
	return unsupported("Unsupported or invalid query filter clause specified for property '%s' of resource 'User'.", name)
}

func unknownProperty(name string) *Error {
	return badRequest("Could not find a property named '%s' on type 'Microsoft.DirectoryServices.User'.", name)
}

func invalidSkipToken() *Error {
	return badRequest("Invalid Skip Token")
}

func expiredPageToken() *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    CodeExpiredPageToken,
		Message: "The specified page token value has expired and can no longer be included in your request.",
	}
}

// syncStateNotFound is Graph's answer to a delta token older than it keeps
// (seven days for directory objects).
func syncStateNotFound() *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    CodeSyncStateNotFound,
		Message: "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
	}
}
