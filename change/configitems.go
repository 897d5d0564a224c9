package change

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Relations is what conflict detection asks of configuration management:
// the configuration items related to one. A change on an item then also
// conflicts with an overlapping change on a related item (a host's patch
// and a change of a VM it hosts; see [ConflictRelated]). *cmdb.Service
// satisfies it; change does not import cmdb.
type Relations interface {
	// RelatedCIs returns the IDs of the items one relationship away from
	// ci, either way. An item it does not know relates to nothing or is
	// an error matching lifecycle.ErrNotFound; either way ci's own
	// conflicts are still checked. It must be safe for concurrent use.
	RelatedCIs(ctx context.Context, ci string) ([]string, error)
}

// ConfigItems is what change enablement asks of configuration management
// about the business services a change affects. The host adapts its CMDB
// to it (the examples module adapts *cmdb.Service); change does not
// import cmdb.
type ConfigItems interface {
	// AffectedServices returns the business services a failure of any of
	// cis affects, each once. An unknown item is an error matching
	// lifecycle.ErrNotFound. It must be safe for concurrent use.
	AffectedServices(ctx context.Context, cis []string) ([]AffectedService, error)
}

// AffectedService is a business service a change's configuration items
// affect, in change enablement's terms: risk rules read them
// ([Change].AffectedServices).
type AffectedService struct {
	// ID identifies the service; required.
	ID string `json:"id"`
	// Impact is how widely a failure of the service affects the business
	// (1 widest, a row of the priority matrix); 0 says nothing.
	Impact lifecycle.Impact `json:"impact,omitempty"`
}

// FieldAffectedServices is the history field of Change.AffectedServices:
// "<id>:<impact>" (or the ID alone for impact 0), comma-separated.
const FieldAffectedServices = "affected_services"

// servicesText renders services for the history.
func servicesText(c *Change) string {
	parts := make([]string, len(c.AffectedServices))
	for i, s := range c.AffectedServices {
		parts[i] = s.ID
		if s.Impact != 0 {
			parts[i] += ":" + strconv.Itoa(int(s.Impact))
		}
	}
	return strings.Join(parts, ",")
}

// setServices records svcs as c's affected services when c's items
// differ from before: sorted by ID, each once (the widest impact kept).
// Services given while the items stay as they were, services of a change
// without items, a blank ID and an impact outside m are a
// *lifecycle.ValidationError.
func setServices(c *Change, before []string, svcs []AffectedService, m lifecycle.Matrix) error {
	if slices.Equal(c.ConfigItems, before) {
		if svcs != nil {
			return lifecycle.Invalid(FieldAffectedServices, "services are recorded with a change of the configuration items")
		}
		return nil
	}
	var out []AffectedService
	for _, s := range svcs {
		s.ID = strings.TrimSpace(s.ID)
		switch {
		case s.ID == "":
			return lifecycle.Invalid(FieldAffectedServices, "an affected service needs an ID")
		case s.Impact < 0 || int(s.Impact) > m.Impacts():
			return lifecycle.Invalid(FieldAffectedServices, "service %s has impact %d, outside the matrix's 1 to %d", s.ID, s.Impact, m.Impacts())
		}
		out = append(out, s)
	}
	if len(out) > 0 && len(c.ConfigItems) == 0 {
		return lifecycle.Invalid(FieldAffectedServices, "services are recorded with the configuration items they depend on")
	}
	slices.SortFunc(out, func(a, b AffectedService) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(wideness(a.Impact), wideness(b.Impact)))
	})
	c.AffectedServices = slices.CompactFunc(out, func(a, b AffectedService) bool { return a.ID == b.ID })
	return nil
}

// wideness orders impacts from the widest (1) to none (0).
func wideness(i lifecycle.Impact) int {
	if i == 0 {
		return int(^uint(0) >> 1)
	}
	return int(i)
}

// affected asks Config.ConfigItems for the services a failure of cis
// affects. An unknown item is a *lifecycle.ValidationError naming
// "config_items": it is the command's input.
func (s *Service) affected(ctx context.Context, cis []string) ([]AffectedService, error) {
	if len(cis) == 0 {
		return nil, nil
	}
	svcs, err := s.cis.AffectedServices(ctx, slices.Clone(cis))
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, lifecycle.Invalid(FieldConfigItems, "%v: not known to configuration management", err)
	}
	if err != nil {
		return nil, err
	}
	return slices.Clone(svcs), nil
}

// related returns, for each of cis, the items related to it that are not
// among cis, sorted; and every item the schedule query must cover: cis
// and all those related items, sorted, each once.
func (r *reading) related(ctx context.Context, cis []string) (map[string][]string, []string, error) {
	if r.s.relations == nil || len(cis) == 0 {
		return nil, cis, nil
	}
	rel := map[string][]string{}
	all := slices.Clone(cis)
	for _, ci := range cis {
		ids, err := r.s.relations.RelatedCIs(ctx, ci)
		if errors.Is(err, lifecycle.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			if id != "" && !slices.Contains(cis, id) {
				rel[ci] = append(rel[ci], id)
			}
		}
		slices.Sort(rel[ci])
		rel[ci] = slices.Compact(rel[ci])
		all = append(all, rel[ci]...)
	}
	slices.Sort(all)
	return rel, slices.Compact(all), nil
}

// read fills AffectedServices from Config.ConfigItems when the update
// changes the configuration items, and empties it otherwise; without
// Config.ConfigItems it leaves the command as it is.
func (u Update) read(ctx context.Context, r *reading, c *Change) (Command, error) {
	if r.s.cis == nil {
		return u, nil
	}
	u.AffectedServices = nil
	if u.ConfigItems == nil {
		return u, nil
	}
	cis, err := normalizeIDs(FieldConfigItems, u.ConfigItems)
	if err != nil || slices.Equal(cis, c.ConfigItems) {
		return u, nil // apply reports a bad item
	}
	u.AffectedServices, err = r.s.affected(ctx, cis)
	return u, err
}

// read fills AffectedServices from Config.ConfigItems when the change
// becomes standard and takes its template's configuration items, and
// empties it otherwise; without Config.ConfigItems it leaves the command
// as it is.
func (t SetType) read(ctx context.Context, r *reading, c *Change) (Command, error) {
	if r.s.cis == nil {
		return t, nil
	}
	t.AffectedServices = nil
	tpl, ok := r.s.rules.Template(t.Template)
	if t.Type != Standard || len(c.ConfigItems) > 0 || !ok {
		return t, nil
	}
	cis, err := normalizeIDs(FieldConfigItems, tpl.ConfigItems)
	if err != nil || len(cis) == 0 {
		return t, nil
	}
	t.AffectedServices, err = r.s.affected(ctx, cis)
	return t, err
}
