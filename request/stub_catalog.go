package request

import "github.com/itsmkit/itsm/lifecycle"

// TEMPORARY: the catalogue types another branch builds; removed on merge.

type CatalogItem struct {
	ID, Name, Category string
	Version            int
	Approval           Approval
	Plan               Plan
	Agreements         []string
	Retired            bool
}

func (c CatalogItem) Clone() CatalogItem {
	c.Agreements = append([]string(nil), c.Agreements...)
	st := c.Plan.Stages
	c.Plan.Stages = nil
	for _, s := range st {
		s.Tasks = append([]TaskDef(nil), s.Tasks...)
		c.Plan.Stages = append(c.Plan.Stages, s)
	}
	return c
}

type Values map[string]string

func (c CatalogItem) CheckValues(v Values) (Values, error) { return v, nil }

type Plan struct{ Stages []Stage }
type Stage struct {
	Name  string
	Tasks []TaskDef
}
type TaskDef struct {
	Name, Group string
	When        *Condition
}
type Condition struct {
	Variable string
	Equals   []string
}

func (p Plan) Expand(v Values) [][]TaskDef {
	var out [][]TaskDef
	for _, s := range p.Stages {
		if len(s.Tasks) > 0 {
			out = append(out, s.Tasks)
		}
	}
	return out
}

type ApprovalPolicy string

const (
	ApprovalNone    ApprovalPolicy = "none"
	ApprovalManager ApprovalPolicy = "manager"
	ApprovalGroup   ApprovalPolicy = "group"
)

type Decision string

const (
	DecideAll    Decision = "all"
	DecideAny    Decision = "any"
	DecideQuorum Decision = "quorum"
)

type Approval struct {
	Policy ApprovalPolicy
	Group  string
	Decide Decision
	Quorum int
}

type Catalog struct{ items map[string]CatalogItem }

func (c *Catalog) Orderable(id string) (CatalogItem, error) {
	it, ok := c.items[id]
	if !ok {
		return it, lifecycle.NotFound("catalog item", id)
	}
	return it, nil
}

func NewCatalog() *Catalog { return &Catalog{items: map[string]CatalogItem{}} }

func (c *Catalog) Register(it CatalogItem) (CatalogItem, error) {
	it.Version = 1
	c.items[it.ID] = it
	return it, nil
}
