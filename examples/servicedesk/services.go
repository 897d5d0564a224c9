package main

import (
	"net/http"

	"github.com/itsmkit/itsm/lifecycle"
)

// serviceRoutes registers the service portfolio and improvement register
// endpoints.
func (d *desk) serviceRoutes(mux *http.ServeMux) {
	p := d.portfolio
	mux.HandleFunc("POST /services", create(d, "/services/", p.Define))
	mux.HandleFunc("GET /services", d.listServices)
	mux.HandleFunc("GET /services/{id}", get(d, p.GetService))
	mux.HandleFunc("GET /services/{id}/history", history(d, p.GetService))
	mux.HandleFunc("PATCH /services/{id}", command(d, p.UpdateDetails))
	for path, h := range map[string]http.HandlerFunc{
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
		mux.HandleFunc("POST /services/{id}/"+path, h)
	}
	mux.HandleFunc("DELETE /services/{id}/agreements/{agreement}", commandFrom(d, p.RemoveAgreement,
		func(w http.ResponseWriter, r *http.Request) (lifecycle.RemoveServiceAgreement, error) {
			cmd := lifecycle.RemoveServiceAgreement{Agreement: r.PathValue("agreement")}
			err := decodeCommand(w, r, &cmd)
			cmd.Agreement = r.PathValue("agreement")
			return cmd, err
		}))
	mux.HandleFunc("DELETE /services/{id}/config-items/{item}", commandFrom(d, p.RemoveConfigItem,
		func(w http.ResponseWriter, r *http.Request) (lifecycle.RemoveServiceConfigItem, error) {
			var cmd lifecycle.RemoveServiceConfigItem
			err := decodeCommand(w, r, &cmd)
			cmd.ConfigItem = r.PathValue("item")
			return cmd, err
		}))

	mux.HandleFunc("POST /improvements", create(d, "/improvements/", p.Propose))
	mux.HandleFunc("GET /improvements", d.listImprovements)
	mux.HandleFunc("GET /improvements/{id}", get(d, p.GetImprovement))
	mux.HandleFunc("GET /improvements/{id}/history", history(d, p.GetImprovement))
	for path, h := range map[string]http.HandlerFunc{
		"approve":  command(d, p.ApproveImprovement),
		"start":    command(d, p.StartImprovement),
		"complete": command(d, p.CompleteImprovement),
		"reject":   command(d, p.RejectImprovement),
	} {
		mux.HandleFunc("POST /improvements/{id}/"+path, h)
	}
}

// listServices answers GET /services?status=&stage=&part=&owner=&config_item=&agreement=&cursor=&limit=.
func (d *desk) listServices(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.Query(), "status", "stage", "part", "owner", "config_item", "agreement", "cursor", "limit")
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
	if q.err != nil {
		d.writeError(w, r, q.err)
		return
	}
	p, err := d.portfolio.ListServices(r.Context(), f)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	d.writeJSON(w, r, http.StatusOK, newPage(p.Services, p.Next))
}

// listImprovements answers GET /improvements?service_id=&status=&cursor=&limit=.
func (d *desk) listImprovements(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.Query(), "service_id", "status", "cursor", "limit")
	f := lifecycle.ImprovementFilter{
		ServiceID: q.str("service_id"),
		Statuses:  enums[lifecycle.ImprovementStatus](q, "status"),
		After:     q.str("cursor"),
		Limit:     q.integer("limit"),
	}
	if q.err != nil {
		d.writeError(w, r, q.err)
		return
	}
	p, err := d.portfolio.ListImprovements(r.Context(), f)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	d.writeJSON(w, r, http.StatusOK, newPage(p.Improvements, p.Next))
}
