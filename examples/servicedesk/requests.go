package main

import (
	"context"
	"net/http"
	"reflect"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// requestRoutes registers the catalogue and the service request
// endpoints: orders, approvals, the requester's answers and the
// fulfilment tasks. Requests are read within the reader's scope
// (Service.GetAs, ListAs), so their reads need the X-Actor header too.
func (d *desk) requestRoutes(a *api) {
	d.catalogRoutes(a)
	s := d.requests
	var own api
	declareProcess(d, &own, processRoutes[request.Request]{
		base:   "/requests",
		create: create(d, "/requests/", s.Order),
		list:   d.listRequests,
		get:    d.getRequest,
		measured: func(ctx context.Context, id string) ([]string, error) {
			r, err := d.getRequest(ctx, id)
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, it := range r.Items {
				ids = append(ids, it.ID)
				for _, t := range it.Tasks {
					ids = append(ids, t.ID)
				}
			}
			return ids, nil
		},
		history: s.History,
		commands: map[string]endpoint{
			"items/{item}/approve": requestCommand[request.Approve](d, "Item", "item"),
			"items/{item}/reject":  requestCommand[request.Reject](d, "Item", "item"),
			"items/{item}/ask":     requestCommand[request.AskRequester](d, "Item", "item"),
			"items/{item}/answer":  requestCommand[request.Answer](d, "Item", "item"),
			"items/{item}/close":   requestCommand[request.CloseItem](d, "Item", "item"),
			"items/{item}/cancel":  requestCommand[request.CancelItem](d, "Item", "item"),
			"tasks/{task}/assign":  requestCommand[request.AssignTask](d, "Task", "task"),
			"tasks/{task}/start":   requestCommand[request.StartTask](d, "Task", "task"),
			"tasks/{task}/close":   requestCommand[request.CloseTask](d, "Task", "task"),
			"cancel":               requestCommand[request.Cancel](d, "", ""),
		},
	})
	for _, rt := range own.routes {
		if rt.in == nil { // a read: scoped to its actor
			rt.h = d.asActor(rt.h)
		}
		a.routes = append(a.routes, rt)
	}
}

// actorKey keys the acting user in a read's context (see asActor).
type actorKey struct{}

// asActor runs h with the request's actor in its context (see actorOf):
// 401 without X-Actor, as for a write.
func (d *desk) asActor(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := actorFrom(r)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	}
}

// actorOf returns the actor asActor put in ctx.
func actorOf(ctx context.Context) lifecycle.Actor {
	a, _ := ctx.Value(actorKey{}).(lifecycle.Actor)
	return a
}

// getRequest reads request id within the scope of the actor in ctx.
func (d *desk) getRequest(ctx context.Context, id string) (*request.Request, error) {
	return d.requests.GetAs(ctx, actorOf(ctx), id)
}

// requestCommand returns the endpoint of request command C: its body,
// the request's ID from the path, the version from If-Match, and, when
// field is set, that field (the item or the task) from the path's
// wildcard.
func requestCommand[C request.Command](d *desk, field, wildcard string) endpoint {
	do := func(ctx context.Context, actor lifecycle.Actor, cmd C) (*request.Request, error) {
		return d.requests.Do(ctx, actor, cmd)
	}
	return commandFrom(d, do, func(w http.ResponseWriter, r *http.Request) (C, error) {
		var cmd C
		if err := decodeCommand(w, r, &cmd); err != nil || field == "" {
			return cmd, err
		}
		return cmd, fromPath(r, reflect.ValueOf(&cmd).Elem(), field, wildcard)
	})
}

// listRequests answers GET /requests?state=&requester=&for=&approver=&task_group=&cursor=&limit=,
// within the reader's scope: my requests (?requester= or ?for=), the
// items awaiting my approval (?approver=), a group's open tasks
// (?task_group=).
func (d *desk) listRequests(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "state", "requester", "for", "approver", "task_group", "cursor", "limit")
	f := request.Filter{
		States:    enums[request.RequestState](q, "state"),
		Requester: q.str("requester"),
		For:       q.str("for"),
		Approver:  q.str("approver"),
		TaskGroup: q.str("task_group"),
		After:     q.str("cursor"),
		Limit:     q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*request.Request, string, error) {
		p, err := d.requests.ListAs(ctx, actorOf(ctx), f)
		return p.Requests, p.Next, err
	})
}
