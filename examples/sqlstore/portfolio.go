package sqlstore

import (
	"context"
	"database/sql"

	"github.com/itsmkit/itsm/lifecycle"
)

// ServiceStore keeps IT services (the service portfolio) in the services
// table, with status, stage, portfolio part and owner as columns and the
// configuration items and agreements in link tables. It implements
// lifecycle.PortfolioStore and lifecycle.Outbox[*lifecycle.Service].
type ServiceStore struct {
	t *table[*lifecycle.Service]
}

var (
	_ lifecycle.PortfolioStore             = (*ServiceStore)(nil)
	_ lifecycle.Outbox[*lifecycle.Service] = (*ServiceStore)(nil)
)

// Services returns the service portfolio store of db.
func (db *DB) Services() *ServiceStore {
	return &ServiceStore{t: newTable(db, table[*lifecycle.Service]{
		process: lifecycle.ProcessService,
		name:    "services",
		cols:    []string{"status", "stage", "part", "owner", "updated_at"},
		fields:  []string{"status", "status", "status", "owner", "updated_at"},
		id:      func(s *lifecycle.Service) string { return s.ID },
		version: func(s *lifecycle.Service) int64 { return s.Version },
		values: func(s *lifecycle.Service) []any {
			return []any{string(s.Status), string(s.Status.Stage()), string(s.Status.Part()), s.Owner, nanos(s.UpdatedAt)}
		},
		zero: func() *lifecycle.Service { return new(lifecycle.Service) },
		check: func(s *lifecycle.Service) error {
			if err := checkTexts("config_items", s.ConfigItems); err != nil {
				return err
			}
			return checkTexts("agreements", s.AgreementIDs())
		},
		sync: func(ctx context.Context, tx *sql.Tx, s *lifecycle.Service) error {
			if err := db.syncLinks(ctx, tx, "service_config_items", s.ID, s.ConfigItems); err != nil {
				return err
			}
			return db.syncLinks(ctx, tx, "service_agreements", s.ID, s.AgreementIDs())
		},
	})}
}

// GetService implements lifecycle.PortfolioStore.
func (s *ServiceStore) GetService(ctx context.Context, id string) (*lifecycle.Service, error) {
	return s.t.get(ctx, s.t.db.r, id)
}

// CreateService implements lifecycle.PortfolioStore.
func (s *ServiceStore) CreateService(ctx context.Context, svc *lifecycle.Service) error {
	return s.t.create(ctx, svc, nil)
}

// UpdateService implements lifecycle.PortfolioStore.
func (s *ServiceStore) UpdateService(ctx context.Context, svc *lifecycle.Service, expected int64) error {
	return s.t.update(ctx, svc, expected, nil)
}

// CreateWithEvents implements lifecycle.Outbox: the service and its events
// are stored in one transaction.
func (s *ServiceStore) CreateWithEvents(ctx context.Context, svc *lifecycle.Service, events []lifecycle.Event) error {
	return s.t.create(ctx, svc, events)
}

// UpdateWithEvents implements lifecycle.Outbox: the service and its events
// are stored in one transaction.
func (s *ServiceStore) UpdateWithEvents(ctx context.Context, svc *lifecycle.Service, expected int64, events []lifecycle.Event) error {
	return s.t.update(ctx, svc, expected, events)
}

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
// implements lifecycle.ImprovementStore and
// lifecycle.Outbox[*lifecycle.Improvement].
type ImprovementStore struct {
	t *table[*lifecycle.Improvement]
}

var (
	_ lifecycle.ImprovementStore               = (*ImprovementStore)(nil)
	_ lifecycle.Outbox[*lifecycle.Improvement] = (*ImprovementStore)(nil)
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

// CreateImprovement implements lifecycle.ImprovementStore.
func (s *ImprovementStore) CreateImprovement(ctx context.Context, x *lifecycle.Improvement) error {
	return s.t.create(ctx, x, nil)
}

// UpdateImprovement implements lifecycle.ImprovementStore.
func (s *ImprovementStore) UpdateImprovement(ctx context.Context, x *lifecycle.Improvement, expected int64) error {
	return s.t.update(ctx, x, expected, nil)
}

// CreateWithEvents implements lifecycle.Outbox: the improvement and its
// events are stored in one transaction.
func (s *ImprovementStore) CreateWithEvents(ctx context.Context, x *lifecycle.Improvement, events []lifecycle.Event) error {
	return s.t.create(ctx, x, events)
}

// UpdateWithEvents implements lifecycle.Outbox: the improvement and its
// events are stored in one transaction.
func (s *ImprovementStore) UpdateWithEvents(ctx context.Context, x *lifecycle.Improvement, expected int64, events []lifecycle.Event) error {
	return s.t.update(ctx, x, expected, events)
}

// ListImprovements implements lifecycle.ImprovementStore.
func (s *ImprovementStore) ListImprovements(ctx context.Context, f lifecycle.ImprovementFilter) (lifecycle.ImprovementPage, error) {
	w := s.t.db.where()
	w.eq("service_id", f.ServiceID)
	in(&w, "status", f.Statuses)
	xs, next, err := page(ctx, s.t, w, f.After, pageLimit(f.Limit, lifecycle.DefaultListLimit))
	return lifecycle.ImprovementPage{Improvements: xs, Next: next}, err
}
