// Command demo plays five days of a service desk through the itsm library,
// entirely in memory with a fake clock, and prints a timeline a person can
// read: a major incident, the business services the CMDB's impact
// analysis finds it affects, the problem behind it, its known error and the
// emergency change that fixes it; a recurring fault an agent links to a
// problem, whose known error a normal change fixes through the change
// authority's approval and a review; SLA warnings and breaches across a US
// holiday and a weekend; and a summary of the routine work.
//
//	go run ./examples/demo
//
// See README.md for how the processes are wired together; day.go holds
// the script of the days and wiring.go the desk.
package main
