package main

import (
	"context"
	"net/http"

	"github.com/itsmkit/itsm/lifecycle"
)

// serviceRoutes registers the service portfolio and improvement register
// endpoints.
func (d *desk) serviceRoutes(a *api) {
	p := d.portfolio
	a.handle("POST /services", create(d, "/services/", p.Define))
	a.handleFunc("GET /services", d.listServices)
	a.handleFunc("GET /services/{id}", get(d, p.GetService))
	a.handleFunc("GET /services/{id}/history", history(d, p.GetService))
	a.handle("PATCH /services/{id}", command(d, p.UpdateDetails))
	for path, h := range map[string]endpoint{
		"advance":      command(d, p.Advance),
		"status":       command(d, p.SetStatus),
		"reject":       command(d, p.Reject),
		"rework":       command(d, p.Rework),
		"phase-out":    command(d, p.PhaseOut),
		"reinstate":    command(d, p.Reinstate),
		"retire":       command(d, p.Retire),
		"agreements":   command(d, p.AddAgreement),
		"config-items": command(d, p.AddConfigItem),
	} {
		a.handle("POST /services/{id}/"+path, h)
	}
	a.handle("DELETE /services/{id}/agreements/{agreement}", commandFrom(d, p.RemoveAgreement,
		func(w http.ResponseWriter, r *http.Request) (lifecycle.RemoveServiceAgreement, error) {
			cmd := lifecycle.RemoveServiceAgreement{Agreement: r.PathValue("agreement")}
			err := decodeCommand(w, r, &cmd)
			cmd.Agreement = r.PathValue("agreement")
			return cmd, err
		}))
	a.handle("DELETE /services/{id}/config-items/{config_item}", commandFrom(d, p.RemoveConfigItem,
		func(w http.ResponseWriter, r *http.Request) (lifecycle.RemoveServiceConfigItem, error) {
			var cmd lifecycle.RemoveServiceConfigItem
			err := decodeCommand(w, r, &cmd)
			cmd.ConfigItem = r.PathValue("config_item")
			return cmd, err
		}))

	a.handle("POST /improvements", create(d, "/improvements/", p.Propose))
	a.handleFunc("GET /improvements", d.listImprovements)
	a.handleFunc("GET /improvements/{id}", get(d, p.GetImprovement))
	a.handleFunc("GET /improvements/{id}/history", history(d, p.GetImprovement))
	for path, h := range map[string]endpoint{
		"approve":  command(d, p.ApproveImprovement),
		"start":    command(d, p.StartImprovement),
		"complete": command(d, p.CompleteImprovement),
		"reject":   command(d, p.RejectImprovement),
	} {
		a.handle("POST /improvements/{id}/"+path, h)
	}
}

// listServices answers GET /services?status=&stage=&part=&owner=&config_item=&agreement=&cursor=&limit=.
func (d *desk) listServices(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "status", "stage", "part", "owner", "config_item", "agreement", "cursor", "limit")
	f := lifecycle.ServiceFilter{
		Statuses:   enums[lifecycle.Status](q, "status"),
		Stage:      enum[lifecycle.Stage](q, "stage"),
		Part:       enum[lifecycle.PortfolioPart](q, "part"),
		Owner:      q.str("owner"),
		ConfigItem: q.str("config_item"),
		Agreement:  q.str("agreement"),
		After:      q.str("cursor"),
		Limit:      q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*lifecycle.ITService, string, error) {
		p, err := d.portfolio.ListServices(ctx, f)
		return p.Services, p.Next, err
	})
}

// listImprovements answers GET /improvements?service_id=&status=&cursor=&limit=.
func (d *desk) listImprovements(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "service_id", "status", "cursor", "limit")
	f := lifecycle.ImprovementFilter{
		ServiceID: q.str("service_id"),
		Statuses:  enums[lifecycle.ImprovementStatus](q, "status"),
		After:     q.str("cursor"),
		Limit:     q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*lifecycle.Improvement, string, error) {
		p, err := d.portfolio.ListImprovements(ctx, f)
		return p.Improvements, p.Next, err
	})
}
