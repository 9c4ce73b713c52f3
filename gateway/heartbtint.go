package gateway

import (
	"strconv"

	"github.com/quickfixgo/quickfix"
)

// tagHeartBtInt is HeartBtInt(108), the Logon's heartbeat interval in seconds.
const tagHeartBtInt quickfix.Tag = 108

// maxHeartBtInt is the longest heartbeat interval a client may ask for, in
// seconds: QuickFIX declares the peer dead after 1.2 intervals of silence, and
// a vanished client's session (and its cancel on disconnect) waits that long.
const maxHeartBtInt = 3600

// checkHeartBtInt returns the Text of the Logout refusing a Logon whose
// HeartBtInt(108) is missing, not a whole number, or outside 1..maxHeartBtInt,
// or "" when it is acceptable. FIX allows 0 ("no heartbeats"), but a venue
// must notice a silent peer to free its session and cancel its orders;
// QuickFIX/Go, given 0 or a negative value, would time the session out after
// a second; a huge one overflows its timer (docs/SERVER.md, "Sessions").
func checkHeartBtInt(msg *quickfix.Message) string {
	if !msg.Body.Has(tagHeartBtInt) {
		return "logon refused: required tag missing: HeartBtInt(108)"
	}
	v, _ := msg.Body.GetBytes(tagHeartBtInt)
	n, ok := parseCount(v)
	if !ok || n < 1 || n > maxHeartBtInt {
		return "logon refused: HeartBtInt(108) must be a whole number of seconds from 1 to " +
			strconv.Itoa(maxHeartBtInt) + ", got " + quoted(v)
	}
	return ""
}
