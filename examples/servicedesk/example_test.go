package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
)

// A desk on a throw-away SQLite database, served by httptest: open an
// incident as alice, then read its SLA timers once the relay has fed the
// engine.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := newDesk(ctx, options{DSN: ":memory:"})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d.handler())
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/incidents",
		strings.NewReader(`{"title": "VPN drops every few minutes", "impact": 1, "urgency": 2}`))
	req.Header.Set("X-Actor", "alice")
	res, err := srv.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var x map[string]any
	if err := json.NewDecoder(res.Body).Decode(&x); err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status, res.Header.Get("ETag"), strings.HasPrefix(res.Header.Get("Location"), "/incidents/INC"))
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Println(strings.Join(keys, " "))
	fmt.Println(x["state"], x["priority"], x["opened_by"])

	// The relay delivers the outbox to the SLA engine (the background loop
	// would do it within a second).
	if _, err := d.relay.RunOnce(ctx); err != nil {
		log.Fatal(err)
	}
	res, err = srv.Client().Get(srv.URL + "/incidents/" + x["id"].(string) + "/sla")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var v slaView
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		log.Fatal(err)
	}
	for _, t := range v.Timers {
		fmt.Println(t.Agreement, t.Stage, t.Goal)
	}
	// Output:
	// 201 Created "1" true
	// created_at history id impact opened_by priority state title updated_at urgency version
	// new 2 alice
	// incident-resolution in_progress 8h0m0s
	// incident-response in_progress 30m0s
}
