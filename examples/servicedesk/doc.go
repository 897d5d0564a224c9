// Command servicedesk is a small service desk over the itsm library: an HTTP
// JSON API for incidents, problems, changes, SLA status and the service
// portfolio, stored in embedded SQLite by default or in PostgreSQL.
//
//	go run ./examples/servicedesk                                  # SQLite file ./itsm.db
//	go run ./examples/servicedesk -db ':memory:'                   # throw-away
//	go run ./examples/servicedesk -db 'postgres://u:p@host/itsm'   # or ITSM_DATABASE_URL
//
// Every change is stored together with its events (a transactional outbox);
// a background relay delivers them to the SLA engine and to the log, and a
// background loop fires SLA warnings and breaches when they fall due.
// SIGINT or SIGTERM stops it gracefully: in-flight requests finish, the loops
// stop, the database is closed.
//
// SLAs run on incidents (response, resolution), problems (time to root
// cause) and normal changes (time to approve); see policy.go.
//
// Bad requests get a 4xx with a JSON error whose field is what the client
// sent: the body's key (never the library's name for the record's field),
// the query parameter, header or path wildcard. Text that no database
// column can hold (NUL, invalid UTF-8) is refused with 400 wherever it
// appears, and list parameters take at most 50 distinct values.
//
// With OTEL_EXPORTER_OTLP_ENDPOINT set (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, for one signal), it exports a
// span and metrics for every operation of every process over OTLP/HTTP
// (see examples/telemetry), as service "servicedesk" (OTEL_SERVICE_NAME
// overrides it), and exports what is left on shutdown. Without them it
// installs no telemetry at all.
//
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 go run ./examples/servicedesk
//
// The acting user comes from the X-Actor and X-Roles headers. That is a
// stand-in: authentication belongs to the host (a proxy, or a middleware
// that checks tokens and sets the actor). See README.md for the endpoints.
package main
