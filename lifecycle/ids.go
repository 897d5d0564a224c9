package lifecycle

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"sync/atomic"
	"time"
)

// IDFunc returns a new, unique record ID. Services take one in their Config;
// the default is [RandomIDs] with the process's prefix.
type IDFunc func() string

// Sequence returns an IDFunc that numbers records prefix0000001,
// prefix0000002, ... (zero-padded to width digits, so that IDs sort in
// creation order). It is safe for concurrent use but unique only within one
// process: use it for tests, demos and single-replica hosts.
func Sequence(prefix string, width int) IDFunc {
	var n atomic.Int64
	return func() string {
		var digits [20]byte
		d := strconv.AppendInt(digits[:0], n.Add(1), 10)
		b := make([]byte, 0, len(prefix)+max(width, len(d)))
		b = append(b, prefix...)
		for i := len(d); i < width; i++ {
			b = append(b, '0')
		}
		return string(append(b, d...))
	}
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// RandomIDs returns an IDFunc that makes IDs unique across replicas:
// prefix, 10 characters of millisecond time (so IDs sort roughly by
// creation) and 10 random characters, in Crockford's base 32.
func RandomIDs(prefix string) IDFunc {
	return func() string {
		var r [8]byte
		_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+)
		b := make([]byte, 0, len(prefix)+20)
		b = append(b, prefix...)
		ms := uint64(time.Now().UnixMilli())
		for i := 9; i >= 0; i-- {
			b = append(b, crockford[(ms>>(uint(i)*5))&31])
		}
		x := binary.BigEndian.Uint64(r[:])
		for i := 0; i < 10; i++ {
			b = append(b, crockford[x&31])
			x >>= 5
		}
		return string(b)
	}
}
