package sla

import "time"

// Calendar says when the service desk works. The zero value and a nil
// *Calendar are the 24×7 calendar in UTC.
//
// (Skeleton: weekly hours, time zones and holidays are being added.)
type Calendar struct{}

// Add returns the instant at which the business duration d, counted from t,
// is used up.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time { return t.Add(d) }

// Between returns the business duration between a and b (negative if b is
// before a).
func (c *Calendar) Between(a, b time.Time) time.Duration { return b.Sub(a) }

// InBusinessHours reports whether t falls within business hours.
func (c *Calendar) InBusinessHours(t time.Time) bool { return true }

// NextOpen returns the first instant at or after t within business hours.
func (c *Calendar) NextOpen(t time.Time) time.Time { return t }
