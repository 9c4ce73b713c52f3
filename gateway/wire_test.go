package gateway

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
)

// wireFrame frames "35=D|49=C|..." (| for SOH, fields kept in order, repeats
// included) with BeginString, a correct BodyLength and checkSum as CheckSum(10),
// or the right one when checkSum is "auto"; a checkSum equal to the right one is
// made wrong, so that "007" is always a bad checksum.
func wireFrame(begin, fields, checkSum string) []byte {
	body := strings.ReplaceAll(fields, "|", "\x01") + "\x01"
	head := "8=" + begin + "\x019=" + strconv.Itoa(len(body)) + "\x01"
	sum := 0
	for _, b := range []byte(head + body) {
		sum += int(b)
	}
	right := wireCheckSum(sum % 256)
	switch checkSum {
	case "auto":
		checkSum = right
	case right:
		checkSum = wireCheckSum((sum + 1) % 256)
	}
	return []byte(head + body + "10=" + checkSum + "\x01")
}

func wireCheckSum(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// writeWire sends "35=D|11=a|..." exactly as written (repeated tags too), after
// a fresh header, with the given CheckSum(10) ("auto": the right one).
func (c *rawClient) writeWire(spec, checkSum string) {
	c.t.Helper()
	c.seq++
	mt, rest, _ := strings.Cut(spec, "|")
	fields := mt + "|49=" + c.sid.SenderCompID + "|56=" + c.sid.TargetCompID + "|34=" + strconv.Itoa(c.seq) +
		"|52=" + time.Now().UTC().Format("20060102-15:04:05.000")
	if rest != "" {
		fields += "|" + rest
	}
	if _, err := c.conn.Write(wireFrame(c.sid.BeginString, fields, checkSum)); err != nil {
		c.t.Fatal(err)
	}
}

// parsedMsg is the message of spec ("35=D|11=a|...", fields in order, repeats
// included) as QuickFIX hands over one read from the wire: framed with a
// header and a correct trailer and parsed, so that msg.Bytes() is the raw
// message and costs nothing (fixMsg's built message rebuilds it each time).
func parsedMsg(t testing.TB, spec string) *quickfix.Message {
	t.Helper()
	mt, rest, _ := strings.Cut(spec, "|")
	fields := mt + "|49=CLIENT|56=" + DefaultCompID + "|34=2|52=20261203-12:00:00.000"
	if rest != "" {
		fields += "|" + rest
	}
	m := quickfix.NewMessage()
	if err := quickfix.ParseMessage(m, bytes.NewBuffer(wireFrame("FIX.4.4", fields, "auto"))); err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	return m
}
