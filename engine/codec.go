package engine

import (
	"encoding/binary"
	"errors"
)

// CommandSize is the length of a Command's fixed binary encoding (journal record
// payload).
const CommandSize = 8 + 8 + 1 + 1 + 1 + 1 + 1 + 4 + 4 + 8 + 8 + (1 + MaxIDLen) + (1 + MaxIDLen)

// AppendCommand appends the fixed little-endian encoding of c to dst.
func AppendCommand(dst []byte, c *Command) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint64(dst, c.Seq)
	dst = le.AppendUint64(dst, uint64(c.Time))
	dst = append(dst, byte(c.Kind), byte(c.Side), byte(c.Type), byte(c.TIF), byte(c.Invalid))
	dst = le.AppendUint32(dst, c.Owner)
	dst = le.AppendUint32(dst, c.Symbol)
	dst = le.AppendUint64(dst, uint64(c.Price))
	dst = le.AppendUint64(dst, uint64(c.Qty))
	dst = appendID(dst, &c.ClOrdID)
	dst = appendID(dst, &c.OrigClOrdID)
	return dst
}

// DecodeCommand decodes what AppendCommand wrote. It never panics on bad input.
func DecodeCommand(b []byte, c *Command) error {
	if len(b) != CommandSize {
		return errors.New("engine: command record has wrong length")
	}
	le := binary.LittleEndian
	c.Seq = le.Uint64(b[0:])
	c.Time = int64(le.Uint64(b[8:]))
	c.Kind = Kind(b[16])
	c.Side = Side(b[17])
	c.Type = OrdType(b[18])
	c.TIF = TIF(b[19])
	c.Invalid = Invalid(b[20])
	c.Owner = le.Uint32(b[21:])
	c.Symbol = le.Uint32(b[25:])
	c.Price = int64(le.Uint64(b[29:]))
	c.Qty = int64(le.Uint64(b[37:]))
	p := 45
	var ok bool
	if p, ok = decodeID(b, p, &c.ClOrdID); !ok {
		return errors.New("engine: command record: bad ClOrdID length")
	}
	if _, ok = decodeID(b, p, &c.OrigClOrdID); !ok {
		return errors.New("engine: command record: bad OrigClOrdID length")
	}
	return nil
}

// EventSize is the length of an Event's fixed binary encoding.
const EventSize = 8*4 + 9 + 4 + 4 + 8*8 + 2*(1+MaxIDLen)

// AppendEvent appends the fixed little-endian encoding of e to dst. Replay hashes
// this encoding, so it is part of the audit contract: change it only with a
// journal version bump.
func AppendEvent(dst []byte, e *Event) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint64(dst, e.ExecID)
	dst = le.AppendUint64(dst, e.Seq)
	dst = le.AppendUint64(dst, uint64(e.Time))
	dst = le.AppendUint64(dst, e.OrderID)
	dst = append(dst, byte(e.Kind), byte(e.Status), byte(e.Side), byte(e.Type), byte(e.TIF),
		byte(e.Reason), e.ResponseTo, byte(e.Text), 0)
	dst = le.AppendUint32(dst, e.Owner)
	dst = le.AppendUint32(dst, e.Symbol)
	for _, v := range [...]int64{e.Price, e.OrderQty, e.LastQty, e.LastPx, e.CumQty, e.LeavesQty, e.Notional, 0} {
		dst = le.AppendUint64(dst, uint64(v))
	}
	dst = appendID(dst, &e.ClOrdID)
	dst = appendID(dst, &e.OrigClOrdID)
	return dst
}

func appendID(dst []byte, id *ID) []byte {
	dst = append(dst, id.N)
	return append(dst, id.B[:]...)
}

func decodeID(b []byte, p int, id *ID) (int, bool) {
	n := b[p]
	if n > MaxIDLen {
		return p, false
	}
	id.N = n
	copy(id.B[:], b[p+1:p+1+MaxIDLen])
	// Bytes past N must be zero so equal IDs compare equal.
	for i := int(n); i < MaxIDLen; i++ {
		if id.B[i] != 0 {
			return p, false
		}
	}
	return p + 1 + MaxIDLen, true
}
