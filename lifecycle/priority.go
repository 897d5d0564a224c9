package lifecycle

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Impact is how widely a record affects the business: 1 is the widest.
type Impact int

// Urgency is how soon the business needs a resolution: 1 is the most urgent.
type Urgency int

// Priority is derived from impact and urgency by a [Matrix]: 1 Critical,
// 2 High, 3 Moderate, 4 Low, 5 Planning. A host matrix may use fewer levels.
type Priority int

// The default priorities.
const (
	PriorityCritical Priority = 1
	PriorityHigh     Priority = 2
	PriorityModerate Priority = 3
	PriorityLow      Priority = 4
	PriorityPlanning Priority = 5
)

var priorityNames = [...]string{"", "critical", "high", "moderate", "low", "planning"}

// String returns "1 - critical" ... "5 - planning", or the bare number
// outside that range.
func (p Priority) String() string {
	if p >= 1 && int(p) < len(priorityNames) {
		return strconv.Itoa(int(p)) + " - " + priorityNames[p]
	}
	return strconv.Itoa(int(p))
}

// Matrix maps impact × urgency to priority. Rows are impacts (1 first),
// columns urgencies (1 first). The zero Matrix is [DefaultMatrix]'s
// 3 × 3 table:
//
//	            urgency 1  2  3
//	impact 1            1  2  3
//	impact 2            2  3  4
//	impact 3            3  4  5
//
// A Matrix is immutable and safe for concurrent use.
type Matrix struct {
	cells [][]Priority
}

var defaultCells = [][]Priority{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}}

// DefaultMatrix is ServiceNow's default 3 × 3 matrix.
var DefaultMatrix = Matrix{}

// NewMatrix returns a matrix with the given rows (one per impact level, each
// with one priority per urgency level). Every row must have the same,
// non-zero length and every priority must be at least 1. iTop's
// 3 impacts × 4 urgencies → 4 priorities is NewMatrix([][]Priority{{1,1,2,3},{1,2,3,4},{2,3,4,4}}),
// for example.
func NewMatrix(rows [][]Priority) (Matrix, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return Matrix{}, Invalid("matrix", "needs at least one impact row and one urgency column")
	}
	cells := make([][]Priority, len(rows))
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			return Matrix{}, Invalid("matrix", "impact row %d has %d urgencies, row 1 has %d", i+1, len(r), len(rows[0]))
		}
		for j, p := range r {
			if p < 1 {
				return Matrix{}, Invalid("matrix", "impact %d, urgency %d: priority %d is below 1", i+1, j+1, p)
			}
		}
		cells[i] = append([]Priority(nil), r...)
	}
	return Matrix{cells: cells}, nil
}

func (m Matrix) rows() [][]Priority {
	if m.cells == nil {
		return defaultCells
	}
	return m.cells
}

// Impacts returns the number of impact levels (3 for the default).
func (m Matrix) Impacts() int { return len(m.rows()) }

// Urgencies returns the number of urgency levels (3 for the default).
func (m Matrix) Urgencies() int { return len(m.rows()[0]) }

// Priority returns the priority for impact and urgency, or a
// *ValidationError naming "impact" or "urgency" when one is out of range.
func (m Matrix) Priority(impact Impact, urgency Urgency) (Priority, error) {
	rows := m.rows()
	if impact < 1 || int(impact) > len(rows) {
		return 0, Invalid("impact", "%d is out of range 1..%d", impact, len(rows))
	}
	if urgency < 1 || int(urgency) > len(rows[0]) {
		return 0, Invalid("urgency", "%d is out of range 1..%d", urgency, len(rows[0]))
	}
	return rows[impact-1][urgency-1], nil
}

// Classify returns the impact, urgency and priority of a new record: a zero
// impact or urgency means the matrix's lowest level (its last row or
// column: 3 in the default matrix, as ServiceNow defaults them), and the
// priority is the matrix's value for the pair. A value out of range is a
// *ValidationError naming "impact" or "urgency".
func (m Matrix) Classify(impact Impact, urgency Urgency) (Impact, Urgency, Priority, error) {
	if impact == 0 {
		impact = Impact(m.Impacts())
	}
	if urgency == 0 {
		urgency = Urgency(m.Urgencies())
	}
	p, err := m.Priority(impact, urgency)
	if err != nil {
		return 0, 0, 0, err
	}
	return impact, urgency, p, nil
}

// MarshalJSON writes the rows as a JSON array of arrays.
func (m Matrix) MarshalJSON() ([]byte, error) { return json.Marshal(m.rows()) }

// UnmarshalJSON reads rows written by MarshalJSON and checks them as
// NewMatrix does. Anything else (another JSON shape, a priority that is not
// an integer, a ragged or empty table, a priority below 1) is a
// *ValidationError for "matrix", and m is left as it was. JSON null leaves
// m as it was, as encoding/json does for other types.
func (m *Matrix) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var rows [][]Priority
	if err := json.Unmarshal(b, &rows); err != nil {
		return Invalid("matrix", "want a JSON array of impact rows, each an array of integer priorities: %v", err)
	}
	nm, err := NewMatrix(rows)
	if err != nil {
		return err
	}
	*m = nm
	return nil
}
