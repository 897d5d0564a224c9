package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// filterServices is the fixture of the filter fuzz targets: a service in
// every status, owned or not, with and without configuration items and
// agreements, stored directly.
func filterServices() []*lifecycle.ITService {
	var out []*lifecycle.ITService
	for i, st := range lifecycle.Statuses() {
		for j, owner := range []string{"", "alice", "bob"} {
			s := &lifecycle.ITService{
				ID:          fmt.Sprintf("SVC-%02d-%d", i, j),
				Version:     1,
				Name:        "svc",
				Owner:       owner,
				Criticality: lifecycle.CriticalityMedium,
				Status:      st,
				History:     []lifecycle.Record{{Seq: 1, To: string(st)}},
			}
			if (i+j)%2 == 0 {
				s.ConfigItems = []string{"ci-1", fmt.Sprintf("ci-%d", j)}
			}
			if (i+j)%3 != 0 {
				s.Agreements = []lifecycle.AgreementLink{
					{ID: "sla-1", Kind: lifecycle.AgreementSLA},
					{ID: fmt.Sprintf("ola-%d", i%3), Kind: lifecycle.AgreementOLA},
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// partStatuses is the portfolio as issue 5 spells it out, written
// independently of Status.Part: the pipeline, the catalogue (operational)
// and retirement (retiring, retired).
var partStatuses = map[lifecycle.PortfolioPart][]lifecycle.Status{
	lifecycle.PortfolioPipeline: {
		lifecycle.StatusRequirements, lifecycle.StatusDefined, lifecycle.StatusAnalysed, lifecycle.StatusApproved,
		lifecycle.StatusChartered, lifecycle.StatusDesigned, lifecycle.StatusDeveloped, lifecycle.StatusBuilt,
		lifecycle.StatusTested, lifecycle.StatusReleased,
	},
	lifecycle.PortfolioCatalogue: {lifecycle.StatusOperational},
	lifecycle.PortfolioRetired:   {lifecycle.StatusRetiring, lifecycle.StatusRetired},
}

// TestPortfolioParts pins Status.Part and PortfolioPart.Statuses to
// partStatuses: every status is in exactly one part.
func TestPortfolioParts(t *testing.T) {
	n := 0
	for _, part := range lifecycle.PortfolioParts() {
		if got := part.Statuses(); !slices.Equal(got, partStatuses[part]) {
			t.Errorf("%s.Statuses() = %v, want %v", part, got, partStatuses[part])
		}
		for _, s := range partStatuses[part] {
			n++
			if s.Part() != part {
				t.Errorf("%s.Part() = %q, want %q", s, s.Part(), part)
			}
		}
	}
	if n != len(lifecycle.Statuses()) {
		t.Errorf("the parts hold %d statuses, there are %d", n, len(lifecycle.Statuses()))
	}
	if got := lifecycle.PortfolioPart("live").Statuses(); got != nil {
		t.Errorf("an unknown part holds %v", got)
	}
}

// FuzzServiceFilter checks ServiceFilter.Validate, ServiceFilter.Matches
// and listing through a Portfolio against the filter's documented meaning:
//   - Validate refuses (with a *ValidationError for "statuses", "stage" or
//     "portfolio") exactly the filters naming an unknown status, stage or
//     part, and the Portfolio then lists nothing;
//   - Matches is the conjunction of its criteria, each as documented
//     (status in Statuses, the status's stage, part, owner, configuration
//     item and agreement), and ignores After and Limit;
//   - paging through ListServices with any Limit from any After visits
//     exactly the matching services after the cursor, in ID order, once
//     each, at most Limit a page, Next empty only on the last page.
func FuzzServiceFilter(f *testing.F) {
	f.Add("operational", "", "", "", "", "", "", "", uint8(1), int8(0))
	f.Add("retired", "requirements", "transition", "catalogue", "alice", "ci-1", "sla-1", "SVC-03", uint8(2), int8(2))
	f.Add("", "", "strategy", "pipeline", "", "", "", "", uint8(0), int8(1))
	f.Add("live", "", "continual_improvement", "", "bob", "ci-2", "ola-1", "SVC-99", uint8(1), int8(-3))
	f.Add("", "", "Operation", "retired ", "", "", "", "", uint8(0), int8(5))
	services := filterServices()
	store := lifecycletest.NewPortfolioStore()
	for _, s := range services {
		if err := store.CommitService(context.Background(), lifecycle.Write[*lifecycle.ITService]{Record: s}); err != nil {
			f.Fatal(err)
		}
	}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: store})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, st1, st2, stage, part, owner, ci, agreement, after string, nStatuses uint8, limit int8) {
		filter := lifecycle.ServiceFilter{
			Statuses:   []lifecycle.Status{lifecycle.Status(st1), lifecycle.Status(st2)}[:nStatuses%3],
			Stage:      lifecycle.Stage(stage),
			Part:       lifecycle.PortfolioPart(part),
			Owner:      owner,
			ConfigItem: ci,
			Agreement:  agreement,
			After:      after,
			Limit:      int(limit),
		}

		// Validate.
		known := !slices.ContainsFunc(filter.Statuses, func(s lifecycle.Status) bool { return !slices.Contains(lifecycle.Statuses(), s) }) &&
			(stage == "" || slices.Contains(lifecycle.Stages(), filter.Stage)) &&
			(part == "" || slices.Contains(lifecycle.PortfolioParts(), filter.Part))
		verr := filter.Validate()
		if known != (verr == nil) {
			t.Fatalf("Validate(%+v) = %v, want valid=%v", filter, verr, known)
		}
		if verr != nil {
			var ve *lifecycle.ValidationError
			if !errors.As(verr, &ve) || !errors.Is(verr, lifecycle.ErrValidation) ||
				!slices.Contains([]string{"statuses", "stage", "portfolio"}, ve.Field) {
				t.Fatalf("Validate error %#v", verr)
			}
			if _, err := p.ListServices(context.Background(), filter); !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("ListServices with an invalid filter: %v", err)
			}
			return
		}

		// Matches.
		unpaged := filter
		unpaged.After, unpaged.Limit = "", 0
		want := lifecycletest.CheckScan(t, services, func(s *lifecycle.ITService) string { return s.ID }, after, func(s *lifecycle.ITService) bool {
			return (len(filter.Statuses) == 0 || slices.Contains(filter.Statuses, s.Status)) &&
				(stage == "" || slices.Contains(filter.Stage.Statuses(), s.Status)) &&
				(part == "" || slices.Contains(partStatuses[filter.Part], s.Status)) &&
				(owner == "" || s.Owner == owner) &&
				(ci == "" || slices.Contains(s.ConfigItems, ci)) &&
				(agreement == "" || slices.Contains(s.AgreementIDs(), agreement))
		}, filter.Matches, unpaged.Matches)

		// Paging.
		pageSize := int(limit)
		if pageSize <= 0 {
			pageSize = lifecycle.DefaultListLimit
		}
		lifecycletest.CheckPaging(t, func(after string) ([]string, string, error) {
			filter.After = after
			page, err := p.ListServices(context.Background(), filter)
			var ids []string
			for _, s := range page.Services {
				ids = append(ids, s.ID)
			}
			return ids, page.Next, err
		}, after, pageSize, len(services)+1, want)
	})
}

// FuzzImprovementFilter does for ImprovementFilter what FuzzServiceFilter
// does for ServiceFilter: Validate refuses exactly unknown statuses,
// Matches is the conjunction of its criteria, and paging visits exactly
// the matching improvements once each, in ID order.
func FuzzImprovementFilter(f *testing.F) {
	f.Add("SVC-1", "proposed", "", uint8(1), "", int8(0))
	f.Add("", "completed", "rejected", uint8(2), "CSI-2", int8(1))
	f.Add("SVC-2", "done", "", uint8(1), "", int8(3))
	store := lifecycletest.NewImprovementStore()
	var imps []*lifecycle.Improvement
	for i, st := range lifecycle.ImprovementStatuses() {
		for j := range 2 {
			x := &lifecycle.Improvement{
				ID: fmt.Sprintf("CSI-%d%d", i, j), Version: 1, ServiceID: fmt.Sprintf("SVC-%d", (i+j)%3),
				Title: "t", Measure: "m", Baseline: "b", Target: "g", Status: st,
			}
			if err := store.CommitImprovement(context.Background(), lifecycle.Write[*lifecycle.Improvement]{Record: x}); err != nil {
				f.Fatal(err)
			}
			imps = append(imps, x)
		}
	}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: lifecycletest.NewPortfolioStore(), Improvements: store})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, serviceID, st1, st2 string, nStatuses uint8, after string, limit int8) {
		filter := lifecycle.ImprovementFilter{
			ServiceID: serviceID,
			Statuses:  []lifecycle.ImprovementStatus{lifecycle.ImprovementStatus(st1), lifecycle.ImprovementStatus(st2)}[:nStatuses%3],
			After:     after,
			Limit:     int(limit),
		}
		known := !slices.ContainsFunc(filter.Statuses, func(s lifecycle.ImprovementStatus) bool {
			return !slices.Contains(lifecycle.ImprovementStatuses(), s)
		})
		verr := filter.Validate()
		if known != (verr == nil) {
			t.Fatalf("Validate(%+v) = %v, want valid=%v", filter, verr, known)
		}
		if verr != nil {
			var ve *lifecycle.ValidationError
			if !errors.As(verr, &ve) || ve.Field != "statuses" {
				t.Fatalf("Validate error %#v", verr)
			}
			if _, err := p.ListImprovements(context.Background(), filter); !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("ListImprovements with an invalid filter: %v", err)
			}
			return
		}
		want := lifecycletest.CheckScan(t, imps, func(x *lifecycle.Improvement) string { return x.ID }, after, func(x *lifecycle.Improvement) bool {
			return (serviceID == "" || x.ServiceID == serviceID) &&
				(len(filter.Statuses) == 0 || slices.Contains(filter.Statuses, x.Status))
		}, filter.Matches)
		pageSize := int(limit)
		if pageSize <= 0 {
			pageSize = lifecycle.DefaultListLimit
		}
		lifecycletest.CheckPaging(t, func(after string) ([]string, string, error) {
			filter.After = after
			page, err := p.ListImprovements(context.Background(), filter)
			var ids []string
			for _, x := range page.Improvements {
				ids = append(ids, x.ID)
			}
			return ids, page.Next, err
		}, after, pageSize, len(imps)+1, want)
	})
}

// TestStagesAndStatusesAgree: Stage.Statuses and Status.Stage are two
// views of one mapping (FuzzServiceFilter relies on it).
func TestStagesAndStatusesAgree(t *testing.T) {
	for _, s := range lifecycle.Statuses() {
		if !slices.Contains(s.Stage().Statuses(), s) {
			t.Errorf("%s is in stage %s, which does not list it", s, s.Stage())
		}
	}
	for _, st := range lifecycle.Stages() {
		for _, s := range st.Statuses() {
			if s.Stage() != st {
				t.Errorf("stage %s lists %s, whose stage is %s", st, s, s.Stage())
			}
		}
	}
}
