package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// AgreementKind says what kind of agreement an [ITService] links to. Its
// spellings are those of the sla package's AgreementType ("sla", "ola",
// "underpinning_contract"), so a host converts one to the other with a
// plain type conversion: lifecycle.AgreementKind(a.Type).
type AgreementKind string

// The agreement kinds.
const (
	// AgreementSLA is a service level agreement, with the customer. A live
	// service needs at least one.
	AgreementSLA AgreementKind = "sla"
	// AgreementOLA is an operational level agreement, between internal
	// teams. It supports an SLA but never stands in for one.
	AgreementOLA AgreementKind = "ola"
	// AgreementUnderpinningContract is a contract with a supplier. It
	// supports an SLA but never stands in for one.
	AgreementUnderpinningContract AgreementKind = "underpinning_contract"
)

var agreementKinds = []AgreementKind{AgreementSLA, AgreementOLA, AgreementUnderpinningContract}

// AgreementKinds returns every agreement kind.
func AgreementKinds() []AgreementKind { return slices.Clone(agreementKinds) }

// String returns the kind's spelling, e.g. "ola".
func (k AgreementKind) String() string { return string(k) }

// Valid reports whether k is one of [AgreementKinds].
func (k AgreementKind) Valid() bool { return slices.Contains(agreementKinds, k) }

// MarshalText returns the kind's spelling, or a *ValidationError for an
// unknown kind.
func (k AgreementKind) MarshalText() ([]byte, error) { return MarshalEnum("kind", agreementKinds, k) }

// UnmarshalText parses an agreement kind, rejecting unknown spellings
// (including the empty one) with a *ValidationError.
func (k *AgreementKind) UnmarshalText(b []byte) error {
	v, err := ParseEnum("kind", agreementKinds, string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// AgreementLink is a service's link to one agreement held by the sla
// package: the agreement's ID and its kind.
//
// JSON: {"id": "SLA-GOLD", "kind": "sla"}; an unknown or missing kind is
// rejected. Documents written before links were typed hold bare IDs
// ("SLA-GOLD"); they decode as links of kind [AgreementSLA], the meaning
// the go-live rule then gave every agreement. Hosts holding such documents
// should review the kinds (an OLA stored that way now counts as an SLA).
type AgreementLink struct {
	// ID is the agreement's ID, as the sla package knows it.
	ID string `json:"id"`
	// Kind is the agreement's kind. Required.
	Kind AgreementKind `json:"kind"`
}

// String renders the link as "kind:id", e.g. "sla:SLA-GOLD", as it appears
// in the audit history (field [FieldAgreements]).
func (l AgreementLink) String() string { return string(l.Kind) + ":" + l.ID }

// Validate returns a *ValidationError for field when the ID is blank or the
// kind is not one of [AgreementKinds].
func (l AgreementLink) Validate(field string) error {
	if blankText(l.ID) {
		return Invalid(field, "an agreement ID is required")
	}
	if !l.Kind.Valid() {
		return Invalid(field, "agreement %q: unknown kind %q (valid: sla, ola, underpinning_contract)", l.ID, l.Kind)
	}
	return nil
}

// UnmarshalJSON reads {"id": ..., "kind": ...}, or a bare JSON string (a
// document from before links were typed) as a link of kind [AgreementSLA].
// A blank ID, or an object without a known kind, is a *ValidationError.
func (l *AgreementLink) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var id string
		if err := json.Unmarshal(b, &id); err != nil {
			return err
		}
		if blankText(id) {
			return Invalid("agreements", "an agreement ID is required")
		}
		*l = AgreementLink{ID: id, Kind: AgreementSLA}
		return nil
	}
	var v struct {
		ID   string         `json:"id"`
		Kind *AgreementKind `json:"kind"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if blankText(v.ID) {
		return Invalid("agreements", "an agreement ID is required")
	}
	if v.Kind == nil {
		return Invalid("kind", "agreement %q: a kind is required (valid: sla, ola, underpinning_contract)", v.ID)
	}
	*l = AgreementLink{ID: v.ID, Kind: *v.Kind}
	return nil
}

// joinLinks renders links for the audit history: "sla:A,ola:B".
func joinLinks(links []AgreementLink) string {
	var b strings.Builder
	for i, l := range links {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.String())
	}
	return b.String()
}

// linkIndex returns the index of the link to agreement id, or -1.
func linkIndex(links []AgreementLink, id string) int {
	return slices.IndexFunc(links, func(l AgreementLink) bool { return l.ID == id })
}

// AgreementLookup tells a [Portfolio] which agreements exist and of what
// kind; the host answers from its sla agreements. It is optional
// ([PortfolioConfig.Agreements]): with one, linking an agreement that does
// not exist, or under the wrong kind, is refused, and a link given without
// a kind takes the one looked up. Implementations must be safe for
// concurrent use and should honour ctx.
type AgreementLookup interface {
	// AgreementKind returns the kind of the agreement with the given ID,
	// or an error matching ErrNotFound when there is none. Any other error
	// fails the operation, which then stores nothing.
	AgreementKind(ctx context.Context, id string) (AgreementKind, error)
}

// AgreementLookupFunc adapts a function to [AgreementLookup].
type AgreementLookupFunc func(ctx context.Context, id string) (AgreementKind, error)

// AgreementKind calls f.
func (f AgreementLookupFunc) AgreementKind(ctx context.Context, id string) (AgreementKind, error) {
	return f(ctx, id)
}
