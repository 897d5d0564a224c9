package main

import (
	"context"
	"net/http"
	"reflect"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// endpoint is a handler and the type of the request body it decodes (nil
// when it reads none): the type names the JSON keys a client may send, and
// so the keys that its errors may name.
type endpoint struct {
	in reflect.Type
	h  http.HandlerFunc
}

// route is one endpoint of the API under an http.ServeMux pattern such as
// "POST /incidents/{id}/assign".
type route struct {
	pattern string
	endpoint
}

// wildcards returns the names of the path wildcards of the route's
// pattern: "id" for "/incidents/{id}".
func (r route) wildcards() []string {
	var names []string
	rest := r.pattern
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, strings.TrimSuffix(rest[i+1:i+j], "..."))
		rest = rest[i+j+1:]
	}
}

// api collects the routes of the desk while they are declared.
type api struct {
	routes []route
}

// handle declares the endpoint e under pattern.
func (a *api) handle(pattern string, e endpoint) {
	a.routes = append(a.routes, route{pattern: pattern, endpoint: e})
}

// handleFunc declares a handler that reads no request body.
func (a *api) handleFunc(pattern string, h http.HandlerFunc) {
	a.handle(pattern, endpoint{h: h})
}

// routes returns every endpoint of the desk.
func (d *desk) routes() []route {
	var a api
	d.incidentRoutes(&a)
	d.problemRoutes(&a)
	d.changeRoutes(&a)
	d.serviceRoutes(&a)
	d.requestRoutes(&a)
	d.ciRoutes(&a)
	a.handleFunc("GET /sla/{id}", d.slaStatus(itself(d.anyRecord)))
	a.handleFunc("GET /agreements", d.listAgreements)
	a.handleFunc("GET /healthz", d.health)
	return a.routes
}

// checkPath wraps h with the check of the route's path values: text that
// no record can hold (invalid UTF-8, NUL) is refused with 400 naming the
// wildcard, so that it never reaches a store.
func (d *desk) checkPath(rt route) http.Handler {
	names := rt.wildcards()
	if len(names) == 0 {
		return rt.h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, name := range names {
			if err := checkText(name, r.PathValue(name)); err != nil {
				d.writeError(w, r, err)
				return
			}
		}
		rt.h(w, r)
	})
}

// processRoutes are the endpoints that the records of every process have,
// under base ("/incidents").
type processRoutes[T any] struct {
	base   string
	create endpoint         // POST base
	list   http.HandlerFunc // GET base
	// get reads a record: GET base/{id}, and the record behind its
	// history, journal and SLA status.
	get     func(context.Context, string) (*T, error)
	history func(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) // GET base/{id}/history
	// journal is GET base/{id}/journal; nil for a process that keeps none.
	journal func(ctx context.Context, id string, after, limit int) ([]lifecycle.Entry, error)
	// measured returns the IDs whose SLA timers GET base/{id}/sla shows;
	// nil is the record's own.
	measured func(ctx context.Context, id string) ([]string, error)
	update   endpoint            // PATCH base/{id}; none when h is nil
	commands map[string]endpoint // POST base/{id}/<name>
}

// declareProcess declares the endpoints p lists, and GET base/{id}/sla,
// the SLA status of a record.
func declareProcess[T any](d *desk, a *api, p processRoutes[T]) {
	one := p.base + "/{id}"
	a.handle("POST "+p.base, p.create)
	a.handleFunc("GET "+p.base, p.list)
	a.handleFunc("GET "+one, get(d, p.get))
	a.handleFunc("GET "+one+"/history", logPages(d, p.get, p.history, func(r lifecycle.Record) int { return r.Seq }, "history"))
	if p.journal != nil {
		a.handleFunc("GET "+one+"/journal", logPages(d, p.get, p.journal, func(e lifecycle.Entry) int { return e.Seq }, "journal"))
	}
	measured := p.measured
	if measured == nil {
		measured = itself(found(p.get))
	}
	a.handleFunc("GET "+one+"/sla", d.slaStatus(measured))
	if p.update.h != nil {
		a.handle("PATCH "+one, p.update)
	}
	for name, e := range p.commands {
		a.handle("POST "+one+"/"+name, e)
	}
}
