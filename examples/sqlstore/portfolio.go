package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/itsmkit/itsm/lifecycle"
)

// ServiceStore keeps IT services (the service portfolio) in the services
// table, with status, stage, portfolio part and owner as columns and the
// configuration items and agreements in link tables. It implements
// lifecycle.PortfolioStore and lifecycle.Outbox: every change goes through
// CommitService, which stores the service and the write's events in one
// transaction. Like every PortfolioStore it keeps no
// guards.
type ServiceStore struct {
	t *table[*lifecycle.ITService]
}

var (
	_ lifecycle.PortfolioStore = (*ServiceStore)(nil)
	_ lifecycle.Outbox         = (*ServiceStore)(nil)
)

// Services returns the service portfolio store of db.
func (db *DB) Services() *ServiceStore {
	return &ServiceStore{t: newTable(db, table[*lifecycle.ITService]{
		process: lifecycle.ProcessService,
		name:    "services",
		cols:    []string{"status", "stage", "part", "owner", "updated_at"},
		fields:  []string{"status", "status", "status", "owner", "updated_at"},
		id:      func(s *lifecycle.ITService) string { return s.ID },
		version: func(s *lifecycle.ITService) int64 { return s.Version },
		values: func(s *lifecycle.ITService) []any {
			return []any{string(s.Status), string(s.Status.Stage()), string(s.Status.Part()), s.Owner, nanos(s.UpdatedAt)}
		},
		zero: func() *lifecycle.ITService { return new(lifecycle.ITService) },
		check: func(s *lifecycle.ITService) error {
			if err := checkTexts("config_items", s.ConfigItems); err != nil {
				return err
			}
			return checkTexts("agreements", s.AgreementIDs())
		},
		sync: func(ctx context.Context, tx *sql.Tx, s *lifecycle.ITService) error {
			if err := db.syncLinks(ctx, tx, "service_config_items", s.ID, s.ConfigItems); err != nil {
				return err
			}
			return db.syncLinks(ctx, tx, "service_agreements", s.ID, s.AgreementIDs())
		},
	})}
}

// GetService implements lifecycle.PortfolioStore.
func (s *ServiceStore) GetService(ctx context.Context, id string) (*lifecycle.ITService, error) {
	return s.t.get(ctx, s.t.db.r, id)
}

// CommitService implements lifecycle.PortfolioStore: the read set is
// checked, and the service and w.Events stored, in one transaction (see
// commit). A write whose read set has guards is refused.
func (s *ServiceStore) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	if err := noGuards(s.t.process, w.Reads); err != nil {
		return err
	}
	return s.t.commit(ctx, w)
}

// StoresEvents implements lifecycle.Outbox: Commit stores a write's
// events in the outbox table, in the record's transaction.
func (s *ServiceStore) StoresEvents() bool { return true }

// ListServices implements lifecycle.PortfolioStore.
func (s *ServiceStore) ListServices(ctx context.Context, f lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	w := s.t.db.where()
	in(&w, "status", f.Statuses)
	w.eq("stage", string(f.Stage))
	w.eq("part", string(f.Part))
	w.eq("owner", f.Owner)
	if f.ConfigItem != "" {
		w.text("id IN (SELECT owner_id FROM service_config_items WHERE linked_id = ?)", f.ConfigItem)
	}
	if f.Agreement != "" {
		w.text("id IN (SELECT owner_id FROM service_agreements WHERE linked_id = ?)", f.Agreement)
	}
	ss, next, err := page(ctx, s.t, w, f.After, pageLimit(f.Limit, lifecycle.DefaultListLimit))
	return lifecycle.ServicePage{Services: ss, Next: next}, err
}

// ImprovementStore keeps the continual-improvement register in the
// improvements table, with the service and status as columns. It
// implements lifecycle.ImprovementStore and lifecycle.Outbox, as
// [ServiceStore] does for services: CommitImprovement stores the
// improvement and the write's events in one transaction, and it keeps no
// guards.
type ImprovementStore struct {
	t *table[*lifecycle.Improvement]
}

var (
	_ lifecycle.ImprovementStore = (*ImprovementStore)(nil)
	_ lifecycle.Outbox           = (*ImprovementStore)(nil)
)

// Improvements returns the continual-improvement register of db.
func (db *DB) Improvements() *ImprovementStore {
	return &ImprovementStore{t: newTable(db, table[*lifecycle.Improvement]{
		process: lifecycle.ProcessImprovement,
		name:    "improvements",
		cols:    []string{"service_id", "status", "updated_at"},
		fields:  []string{"service_id", "status", "updated_at"},
		id:      func(x *lifecycle.Improvement) string { return x.ID },
		version: func(x *lifecycle.Improvement) int64 { return x.Version },
		values: func(x *lifecycle.Improvement) []any {
			return []any{x.ServiceID, string(x.Status), nanos(x.UpdatedAt)}
		},
		zero: func() *lifecycle.Improvement { return new(lifecycle.Improvement) },
	})}
}

// GetImprovement implements lifecycle.ImprovementStore.
func (s *ImprovementStore) GetImprovement(ctx context.Context, id string) (*lifecycle.Improvement, error) {
	return s.t.get(ctx, s.t.db.r, id)
}

// CommitImprovement implements lifecycle.ImprovementStore: the read set
// is checked, and the improvement and w.Events stored, in one transaction
// (see commit). A write whose read set has guards is refused.
func (s *ImprovementStore) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	if err := noGuards(s.t.process, w.Reads); err != nil {
		return err
	}
	return s.t.commit(ctx, w)
}

// StoresEvents implements lifecycle.Outbox: Commit stores a write's
// events in the outbox table, in the record's transaction.
func (s *ImprovementStore) StoresEvents() bool { return true }

// ListImprovements implements lifecycle.ImprovementStore.
func (s *ImprovementStore) ListImprovements(ctx context.Context, f lifecycle.ImprovementFilter) (lifecycle.ImprovementPage, error) {
	w := s.t.db.where()
	w.eq("service_id", f.ServiceID)
	in(&w, "status", f.Statuses)
	xs, next, err := page(ctx, s.t, w, f.After, pageLimit(f.Limit, lifecycle.DefaultListLimit))
	return lifecycle.ImprovementPage{Improvements: xs, Next: next}, err
}

// noGuards refuses a write of a process whose store keeps no guards (the
// service portfolio and the improvement register) when its read set takes
// any: such a guard would protect nothing.
func noGuards(process string, reads lifecycle.ReadSet) error {
	if len(reads.Guards) > 0 {
		return fmt.Errorf("sqlstore: the %s store keeps no guards (guard %s)", process, strconv.QuoteToASCII(reads.Guards[0].Key))
	}
	return nil
}
