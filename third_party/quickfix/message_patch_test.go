// matchd patch tests (see PATCH.md): CheckSum(10) verified by the parser. Not
// part of upstream QuickFIX/Go. Run from matchd's root:
//
//	go test -count=1 -race -run Patch github.com/quickfixgo/quickfix

package quickfix

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// patchWire frames "35=D|49=C|..." (| for SOH) with BeginString, a correct
// BodyLength and the given CheckSum value; "auto" computes the right one.
func patchWire(fields, checkSum string) []byte {
	body := strings.ReplaceAll(fields, "|", "\x01") + "\x01"
	head := "8=FIX.4.4\x019=" + strconv.Itoa(len(body)) + "\x01"
	if checkSum == "auto" {
		sum := 0
		for _, b := range []byte(head + body) {
			sum += int(b)
		}
		checkSum = formatCheckSum(sum % 256)
	}
	return []byte(head + body + "10=" + checkSum + "\x01")
}

const patchOrder = "35=D|49=CLIENT|56=ENGINE|34=2|52=20261203-12:00:00.000|11=a1|55=AAPL|54=1|38=10|40=2|44=1.5"

func TestPatchCheckSumAccepted(t *testing.T) {
	for _, fields := range []string{
		patchOrder,
		"35=0|49=CLIENT|56=ENGINE|34=3|52=20261203-12:00:00.000",                  // no body
		patchOrder + "|58=caf\xc3\xa9 \xff\xfe",                                   // bytes above 127
		"35=D|49=CLIENT|56=ENGINE|34=4|52=20261203-12:00:00.000|212=3|213=a\x01b", // XmlData holding SOH
	} {
		raw := patchWire(fields, "auto")
		m := NewMessage()
		if err := ParseMessage(m, bytes.NewBuffer(raw)); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		// What QuickFIX builds, it parses again.
		if err := ParseMessage(NewMessage(), bytes.NewBuffer(m.build())); err != nil {
			t.Fatalf("rebuilt %q: %v", raw, err)
		}
	}
}

func TestPatchCheckSumRefused(t *testing.T) {
	good := patchWire(patchOrder, "auto")
	right := string(good[len(good)-4 : len(good)-1])
	n, _ := strconv.Atoi(right)
	for _, cs := range []string{
		formatCheckSum((n + 1) % 256), // off by one
		"007",                         // the issue's
		"ABC", "", "07", "0" + right, "+" + right[1:], " " + right[1:], right[:2] + ":",
	} {
		if cs == right {
			continue
		}
		raw := patchWire(patchOrder, cs)
		err := ParseMessage(NewMessage(), bytes.NewBuffer(raw))
		if err == nil || !strings.Contains(err.Error(), "CheckSum(10)") {
			t.Errorf("10=%q: %v, want a CheckSum error", cs, err)
		}
	}
	// One flipped byte anywhere before the trailer changes the sum (a flip in
	// a tag or '=' may fail earlier, for another reason).
	for i := 0; i < len(good)-7; i++ {
		raw := append([]byte(nil), good...)
		raw[i] ^= 0x04
		if ParseMessage(NewMessage(), bytes.NewBuffer(raw)) == nil {
			t.Fatalf("byte %d flipped (%q) accepted", i, raw)
		}
	}
}

// TestPatchParseNoCheckSum: a buffer whose last field is not CheckSum(10) (a
// flipped SOH merged it into the field before) is an error; upstream indexed
// past its field slice and panicked.
func TestPatchParseNoCheckSum(t *testing.T) {
	good := patchWire(patchOrder, "auto")
	for i, b := range good {
		if b != 1 {
			continue
		}
		raw := append([]byte(nil), good...)
		raw[i] = 5
		if err := ParseMessage(NewMessage(), bytes.NewBuffer(raw)); err == nil {
			t.Errorf("SOH %d flipped: accepted", i)
		}
	}
}

func TestPatchCheckSumNoAllocs(t *testing.T) {
	raw := patchWire(patchOrder, "auto")
	m := NewMessage()
	buf := bytes.NewBuffer(raw)
	if err := ParseMessage(m, buf); err != nil {
		t.Fatal(err)
	}
	cs := TagValue{}
	if err := cs.parse(raw[len(raw)-7:]); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if verifyCheckSum(raw, nil, &cs) != nil {
			t.Fatal("refused")
		}
	}); n != 0 {
		t.Fatalf("%v allocs per verifyCheckSum, want 0", n)
	}
}

// eventfLog keeps the events, formatted ones included.
type eventfLog struct {
	nullLog
	mu     sync.Mutex
	events []string
}

func (l *eventfLog) OnEvent(s string) { l.mu.Lock(); l.events = append(l.events, s); l.mu.Unlock() }
func (l *eventfLog) OnEventf(f string, a ...interface{}) {
	l.OnEvent(fmt.Sprintf(f, a...))
}

// TestPatchBadCheckSumLogonClosed: the acceptor answers a first message (the
// Logon) with a bad CheckSum(10) by logging it and closing the connection,
// before any session is looked up (none exists here).
func TestPatchBadCheckSumLogonClosed(t *testing.T) {
	log := &eventfLog{}
	a := &Acceptor{globalLog: log}
	server, client := net.Pipe()
	done := make(chan struct{})
	go func() { defer close(done); a.handleConnection(server) }()
	client.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := client.Write(patchWire("35=A|49=CLIENT|56=ENGINE|34=1|52=20261203-12:00:00.000|98=0|108=30", "007")); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read %d bytes, %v; want EOF", n, err)
	}
	<-done
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.events) != 1 || !strings.Contains(log.events[0], "invalid message") || !strings.Contains(log.events[0], "Incorrect CheckSum(10)") {
		t.Fatalf("events %q, want one invalid message about the CheckSum", log.events)
	}
}
