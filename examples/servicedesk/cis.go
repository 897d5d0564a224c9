package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle"
)

// cmdbPolicy is the policy file's "cmdb" part: the configuration model
// and who may change it. Every part is optional; the zero cmdbPolicy is
// the library's defaults.
type cmdbPolicy struct {
	// Classes is the class tree. Set, it replaces the default tree:
	// business_service, application, database, and hardware with server,
	// vm and network_device under it.
	Classes []ciClass `json:"classes,omitempty"`
	// ServiceClass is the class (with its subclasses) whose CIs impact
	// analysis reports as business services; "" is business_service.
	ServiceClass string `json:"service_class,omitempty"`
	// Types are relationship types added to the built-in ones
	// (depends_on, runs_on, contains, connects_to).
	Types []ciType `json:"types,omitempty"`
	// RetireInUse lets a retirement that gives a reason through while CIs
	// in service depend on the CI; by default it is refused (409).
	RetireInUse bool `json:"retire_in_use,omitempty"`
	// Access are access rules of the cmdb process, asked besides its
	// default rules (cmdb.AccessRules, which let any actor fire any
	// event): each narrows who may fire its event. A rule may leave out
	// its process; a rule of another process is refused at start-up.
	Access []lifecycle.Rule `json:"access,omitempty"`
}

// ciClass is a class of the policy's class tree (see cmdb.Class).
type ciClass struct {
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

// ciType is a relationship type of the policy (see cmdb.RelType).
type ciType struct {
	Name    string    `json:"name"`
	Reverse string    `json:"reverse,omitempty"`
	Flow    cmdb.Flow `json:"flow"`
}

// wireCMDB builds configuration management from the policy's "cmdb" part.
// The CIs are kept in memory (cmdbtest.Store): sqlstore has no CI store
// yet, so they are lost when the desk stops and not shared between
// replicas. Without an outbox the service notifies right after each
// write: the desk's log and options.Notifier.
func (d *desk) wireCMDB() error {
	p := d.opts.Policy.CMDB
	d.ciStore = cmdbtest.NewStore()
	cfg := cmdb.Config{
		Store: d.ciStore, ServiceClass: p.ServiceClass, RetireInUse: p.RetireInUse,
		Notifier: lifecycle.Fanout(lifecycle.NotifierFunc(d.logEvents), d.opts.Notifier),
		Clock:    d.clock, Interceptors: d.opts.Interceptors,
	}
	d.ciClasses = cmdb.DefaultClasses()
	if len(p.Classes) > 0 {
		classes := make([]cmdb.Class, len(p.Classes))
		for i, c := range p.Classes {
			classes[i] = cmdb.Class{Name: c.Name, Parent: c.Parent}
		}
		var err error
		if d.ciClasses, err = cmdb.NewClasses(classes...); err != nil {
			return fmt.Errorf("policy cmdb: %w", err)
		}
	}
	cfg.Classes = d.ciClasses
	for _, t := range p.Types {
		cfg.Types = append(cfg.Types, cmdb.RelType{Name: t.Name, Reverse: t.Reverse, Flow: t.Flow})
	}
	rules := cmdb.AccessRules()
	for i, r := range p.Access {
		if r.Process == "" {
			r.Process = cmdb.Process
		}
		switch {
		case r.Process != cmdb.Process:
			return fmt.Errorf("policy cmdb.access[%d]: process %q: the rules of the cmdb part guard the cmdb process", i, r.Process)
		case r.Event != "" && r.Event != lifecycle.EventRead && !slices.Contains(cmdb.Events(), r.Event):
			return fmt.Errorf("policy cmdb.access[%d]: unknown event %q (events: %s, %s)", i, r.Event,
				strings.Join(cmdb.Events(), ", "), lifecycle.EventRead)
		}
		rules = append(rules, r)
	}
	cfg.Access = &lifecycle.AccessPolicy{Rules: rules}
	var err error
	if d.cis, err = cmdb.New(cfg); err != nil {
		return fmt.Errorf("policy cmdb: %w", err)
	}
	return nil
}

// ciRoutes registers the configuration management endpoints: the CIs,
// their status commands, their relationships, and impact analysis. CIs
// are read within the reader's scope (Service.GetAs, ListAs), so their
// reads need the X-Actor header too, as the requests' do.
func (d *desk) ciRoutes(a *api) {
	s := d.cis
	var own api
	own.handle("POST /cis", create(d, "/cis/", s.Create))
	own.handleFunc("GET /cis", d.listCIs)
	own.handleFunc("GET /cis/{id}", get(d, d.getCI))
	own.handleFunc("GET /cis/{id}/history", logPages(d, d.getCI, s.History, func(r lifecycle.Record) int { return r.Seq }, "history"))
	own.handle("PATCH /cis/{id}", ciCommand[cmdb.Update](d))
	for name, e := range map[string]endpoint{
		"install":  ciCommand[cmdb.Install](d),
		"operate":  ciCommand[cmdb.Operate](d),
		"maintain": ciCommand[cmdb.Maintain](d),
		"degrade":  ciCommand[cmdb.Degrade](d),
		"restore":  ciCommand[cmdb.Restore](d),
		"retire":   ciCommand[cmdb.Retire](d),
	} {
		own.handle("POST /cis/{id}/"+name, e)
	}
	own.handle("POST /cis/{id}/relationships", command(d, d.relate))
	own.handleFunc("GET /cis/{id}/relationships", d.listRelationships)
	own.handle("DELETE /cis/{id}/relationships/{type}/{child}", commandFrom(d, d.unrelate,
		func(w http.ResponseWriter, r *http.Request) (cmdb.Unrelate, error) {
			var cmd cmdb.Unrelate
			if err := decodeCommand(w, r, &cmd); err != nil {
				return cmd, err
			}
			v := reflect.ValueOf(&cmd).Elem()
			if err := fromPath(r, v, "Type", "type"); err != nil {
				return cmd, err
			}
			return cmd, fromPath(r, v, "Child", "child")
		}))
	own.handleFunc("GET /cis/{id}/impact", d.analyse(s.Impact))
	own.handleFunc("GET /cis/{id}/dependencies", d.analyse(s.Dependencies))
	for _, rt := range own.routes {
		if rt.in == nil { // a read: scoped to its actor
			rt.h = d.asActor(rt.h)
		}
		a.routes = append(a.routes, rt)
	}
}

// getCI reads CI id within the scope of the actor in ctx.
func (d *desk) getCI(ctx context.Context, id string) (*cmdb.CI, error) {
	return d.cis.GetAs(ctx, actorOf(ctx), id)
}

// ciCommand returns the endpoint of CI command C: its body, the CI's ID
// from the path, the version from If-Match.
func ciCommand[C cmdb.Command](d *desk) endpoint {
	return command(d, func(ctx context.Context, actor lifecycle.Actor, cmd C) (*cmdb.CI, error) {
		return d.cis.Do(ctx, actor, cmd)
	})
}

// duplicateError is the refusal of a relationship that its parent holds
// already: 409, code "duplicate".
type duplicateError struct{ err error }

// Error returns the library's message.
func (e *duplicateError) Error() string { return e.err.Error() }

// Unwrap returns the library's *lifecycle.ValidationError.
func (e *duplicateError) Unwrap() error { return e.err }

// relate adds the relationship cmd names. A refusal that names the
// relationship, of a relationship that the CI as stored holds, is a
// *duplicateError.
func (d *desk) relate(ctx context.Context, actor lifecycle.Actor, cmd cmdb.Relate) (*cmdb.CI, error) {
	x, err := d.cis.Do(ctx, actor, cmd)
	if x != nil || !refusedRelationship(err) {
		return x, err
	}
	if stored, gerr := d.cis.Get(ctx, cmd.ID); gerr == nil {
		if _, dup := stored.Relationship(strings.TrimSpace(cmd.Type), strings.TrimSpace(cmd.Child)); dup {
			return nil, &duplicateError{err: err}
		}
	}
	return nil, err
}

// unrelate removes the relationship cmd names: an unknown type is a 400
// naming "type", a relationship the CI does not hold a 404.
func (d *desk) unrelate(ctx context.Context, actor lifecycle.Actor, cmd cmdb.Unrelate) (*cmdb.CI, error) {
	if _, err := d.relType(strings.TrimSpace(cmd.Type)); err != nil {
		return nil, err
	}
	x, err := d.cis.Do(ctx, actor, cmd)
	if x == nil && refusedRelationship(err) {
		err = fmt.Errorf("%w: %w", err, lifecycle.ErrNotFound)
	}
	return x, err
}

// refusedRelationship reports whether err is the library's refusal naming
// the relationship as a whole: one that exists already (Relate), or does
// not exist (Unrelate).
func refusedRelationship(err error) bool {
	var ve *lifecycle.ValidationError
	return errors.As(err, &ve) && ve.Field == "relationship"
}

// relType returns the registered relationship type name, or a
// *lifecycle.ValidationError naming "type".
func (d *desk) relType(name string) (cmdb.RelType, error) {
	types := d.cis.Types()
	names := make([]string, len(types))
	for i, t := range types {
		if t.Name == name {
			return t, nil
		}
		names[i] = t.Name
	}
	return cmdb.RelType{}, lifecycle.Invalid("type", "unknown relationship type %q (types: %s)", lifecycle.Clip(name), strings.Join(names, ", "))
}

// single returns the one value of the query parameter key ("" when
// absent); more than one is a *requestError naming it.
func single(q *query, key string) string {
	vs := q.list(key)
	if len(vs) > 1 && q.err == nil {
		q.err = badRequest(key, "expected one value")
	}
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}

// listCIs answers GET /cis?class=&status=&group=&cursor=&limit=, within
// the reader's scope. The class must be one of the tree's and matches
// exactly that class; status is a list.
func (d *desk) listCIs(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "class", "status", "group", "cursor", "limit")
	class := single(q, "class")
	if class != "" && !d.ciClasses.Has(class) && q.err == nil {
		q.err = badRequest("class", "unknown class %q (classes: %s)", lifecycle.Clip(class), strings.Join(d.ciClasses.Names(), ", "))
	}
	f := cmdb.Filter{
		Class:    class,
		Statuses: enums[cmdb.Status](q, "status"),
		Group:    q.str("group"),
		After:    q.str("cursor"),
		Limit:    q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*cmdb.CI, string, error) {
		p, err := d.cis.ListAs(ctx, actorOf(ctx), f)
		return p.CIs, p.Next, err
	})
}

// The directions of a CI's relationships.
const (
	outgoing = "outgoing" // the CI is the parent: "[ci] runs_on [host]"
	incoming = "incoming" // the CI is the child: "[app] runs_on [ci]"
)

// relationshipView is one relationship of a CI as GET
// /cis/{id}/relationships shows it.
type relationshipView struct {
	cmdb.Relationship
	// Direction is "outgoing" when the CI is the relationship's parent,
	// "incoming" when it is its child.
	Direction string `json:"direction"`
	// Reads is the relationship as read from the CI: its type when
	// outgoing ("runs_on"), the type's reverse when incoming ("hosts").
	Reads string `json:"reads"`
}

// relationshipsView is the body of GET /cis/{id}/relationships.
type relationshipsView struct {
	ID            string             `json:"id"`
	Version       int64              `json:"version"`
	Relationships []relationshipView `json:"relationships"`
}

// listRelationships answers GET /cis/{id}/relationships?direction=&type=:
// the relationships the CI is the parent or the child of, by parent, type
// and child; direction (outgoing or incoming) and type narrow them.
func (d *desk) listRelationships(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "direction", "type")
	direction, typ := single(q, "direction"), single(q, "type")
	if direction != "" && direction != outgoing && direction != incoming && q.err == nil {
		q.err = badRequest("direction", "expected %s or %s, got %q", outgoing, incoming, lifecycle.Clip(direction))
	}
	if typ != "" && q.err == nil {
		if _, err := d.relType(typ); err != nil {
			q.err = badRequest("type", "unknown relationship type %q", lifecycle.Clip(typ))
		}
	}
	if q.err != nil {
		d.writeError(w, r, q.err)
		return
	}
	x, err := d.getCI(r.Context(), r.PathValue("id"))
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	rels, err := d.ciStore.Related(r.Context(), []string{x.ID})
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	view := relationshipsView{ID: x.ID, Version: x.Version, Relationships: []relationshipView{}}
	for _, rel := range rels {
		v := relationshipView{Relationship: rel, Direction: outgoing, Reads: rel.Type}
		if rel.Child == x.ID {
			v.Direction = incoming
			if t, err := d.relType(rel.Type); err == nil && t.Reverse != "" {
				v.Reads = t.Reverse
			}
		}
		if (direction == "" || direction == v.Direction) && (typ == "" || typ == rel.Type) {
			view.Relationships = append(view.Relationships, v)
		}
	}
	w.Header().Set("ETag", etag(x.Version))
	d.writeJSON(w, r, http.StatusOK, view)
}

// impactView is the body of GET /cis/{id}/impact and /dependencies.
type impactView struct {
	// ID is the CI analysed.
	ID string `json:"id"`
	// Depth is the farthest depth walked.
	Depth int `json:"depth"`
	// CIs are every CI reached, by depth then ID, each with its depth,
	// one shortest path from the CI analysed (it first), and the highest
	// criticality along its shortest paths.
	CIs []cmdb.Affected `json:"cis"`
	// Services are the business services among them, with their
	// criticality.
	Services []cmdb.Affected `json:"services"`
}

// analyse returns the handler of GET /cis/{id}/impact?depth= (what the
// CI's failure affects, up to the business services) or
// /dependencies?depth= (what it depends on), by run. depth is 1 to
// cmdb.MaxDepth, cmdb.DefaultDepth when absent.
func (d *desk) analyse(run func(context.Context, cmdb.ImpactQuery) (*cmdb.Impact, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := newQuery(r, "depth")
		depth := cmdb.DefaultDepth
		if s := single(q, "depth"); s != "" && q.err == nil {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > cmdb.MaxDepth {
				q.err = badRequest("depth", "expected a whole number from 1 to %d, got %q", cmdb.MaxDepth, lifecycle.Clip(s))
			}
			depth = n
		}
		if q.err != nil {
			d.writeError(w, r, q.err)
			return
		}
		x, err := d.getCI(r.Context(), r.PathValue("id"))
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		im, err := run(r.Context(), cmdb.ImpactQuery{From: []string{x.ID}, Depth: depth})
		if err != nil {
			d.writeError(w, r, q.fieldOf(err))
			return
		}
		view := impactView{ID: x.ID, Depth: depth, CIs: im.CIs, Services: im.Services}
		if view.CIs == nil {
			view.CIs = []cmdb.Affected{}
		}
		if view.Services == nil {
			view.Services = []cmdb.Affected{}
		}
		d.writeJSON(w, r, http.StatusOK, view)
	}
}
