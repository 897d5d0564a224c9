package cmdb

import (
	"maps"
	"slices"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Process is the name of configuration management in events, errors and
// access rules.
const Process = "cmdb"

// CI is a configuration item: one thing the organisation manages so that
// it can deliver its services (a business service, an application, a
// database, a server, a network device). Its relationships to other CIs
// are held on the CI that is their parent (see the package
// documentation): adding or removing one is a change of that CI, stored
// and audited through the process kernel like any other.
type CI struct {
	ID          string            `json:"id"`                   // unique, from Config.IDs
	Version     int64             `json:"version"`              // 1 when created, +1 per stored change
	Class       string            `json:"class"`                // a class of the host's class tree
	Name        string            `json:"name"`                 // for people
	Status      Status            `json:"status"`               // the operational status
	Criticality Criticality       `json:"criticality"`          // how much its failure matters
	Owner       string            `json:"owner,omitempty"`      // who is accountable for it
	Group       string            `json:"group,omitempty"`      // the support group
	Tenant      string            `json:"tenant,omitempty"`     // the tenant it belongs to; never changes
	Attributes  map[string]string `json:"attributes,omitempty"` // the class's own facts: IP address, version, site...

	// Relationships are the relationships whose parent this CI is,
	// sorted by type then child.
	Relationships []Relationship `json:"relationships,omitempty"`

	History   []lifecycle.Record `json:"history,omitempty"` // one record per stored change
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Relationship is a typed, directed relationship between two CIs, in
// ServiceNow's spelling "[Parent] type [Child]": "[app] depends on [db]",
// "[vm] runs on [host]". Its [RelType] says which way impact flows.
type Relationship struct {
	Parent string    `json:"parent"` // the CI holding it
	Type   string    `json:"type"`   // a registered RelType's Name
	Child  string    `json:"child"`  // the CI it relates the parent to
	By     string    `json:"by"`     // who added it
	At     time.Time `json:"at"`     // when it was added
}

// Key is the relationship's identity: no two relationships share it.
func (r Relationship) Key() string { return r.Parent + " " + r.Type + " " + r.Child }

// Clone returns a deep copy of c (nil stays nil).
func (c *CI) Clone() *CI {
	if c == nil {
		return nil
	}
	x := *c
	x.Attributes = maps.Clone(c.Attributes)
	x.Relationships = slices.Clone(c.Relationships)
	x.History = lifecycle.CloneHistory(c.History)
	return &x
}

// Snapshot returns the process-neutral view of the CI: its status as
// State, its name as Title, its support group, owner and tenant, itself
// as ConfigItem, and its class and criticality as attributes.
func (c *CI) Snapshot() lifecycle.Snapshot {
	return lifecycle.Snapshot{
		State:      string(c.Status),
		Title:      c.Name,
		Group:      c.Group,
		Owner:      c.Owner,
		Tenant:     c.Tenant,
		ConfigItem: c.ID,
		OpenedAt:   c.CreatedAt,
		Attributes: map[string]string{"class": c.Class, "criticality": string(c.Criticality)},
	}
}

// Relationship returns c's relationship of type typ to child, and whether
// it has one.
func (c *CI) Relationship(typ, child string) (Relationship, bool) {
	i := slices.IndexFunc(c.Relationships, func(r Relationship) bool { return r.Type == typ && r.Child == child })
	if i < 0 {
		return Relationship{}, false
	}
	return c.Relationships[i], true
}

// Criticality says how much a CI's failure matters to the business.
type Criticality string

// The criticalities, from the lowest.
const (
	CriticalityLow      Criticality = "low"
	CriticalityMedium   Criticality = "medium"
	CriticalityHigh     Criticality = "high"
	CriticalityCritical Criticality = "critical"
)

var criticalities = []Criticality{CriticalityLow, CriticalityMedium, CriticalityHigh, CriticalityCritical}

// Criticalities returns every criticality, from the lowest.
func Criticalities() []Criticality { return slices.Clone(criticalities) }

// Rank orders criticalities: 1 for low up to 4 for critical, 0 for none
// or an unknown one.
func (c Criticality) Rank() int { return slices.Index(criticalities, c) + 1 }

// MarshalText returns the criticality's spelling; the empty criticality
// is written as "" and an unknown one is a *lifecycle.ValidationError.
func (c Criticality) MarshalText() ([]byte, error) {
	if c == "" {
		return nil, nil
	}
	return lifecycle.MarshalEnum("criticality", criticalities, c)
}

// UnmarshalText parses a criticality, refusing unknown spellings with a
// *lifecycle.ValidationError.
func (c *Criticality) UnmarshalText(b []byte) (err error) {
	if len(b) == 0 {
		*c = ""
		return nil
	}
	*c, err = lifecycle.ParseEnum("criticality", criticalities, string(b))
	return err
}

// highest returns the higher of a and b.
func highest(a, b Criticality) Criticality {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}
