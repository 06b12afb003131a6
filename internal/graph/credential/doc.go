// Package credential turns Credentials into an azcore.TokenCredential: the
// credential chain of the Graph client. It yields tokens and nothing else;
// caching them, and replacing one Graph rejected, is the graph package's.
//
// Kinds lists the ways of obtaining tokens in the order New tries them (the
// azuread provider's order): the one source of that order, which callers
// render (the provider's documentation and its error for a configuration
// without a credential). Problems with a value are *FieldError, naming the
// Credentials field; callers put them in their own words.
//
// Like its parent, it must not import Terraform packages or internal/export.
package credential
