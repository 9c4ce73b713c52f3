package clusterproc

import (
	"bufio"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// session is a raw FIX 4.4 initiator that follows the leader: it logs on
// with ResetSeqNumFlag(141)=Y wherever it connects (docs/CLUSTER.md), and a
// Logout refusing the Logon that names the leader sends it there.
type session struct {
	id string

	mu    sync.Mutex
	conn  net.Conn
	seq   int
	acked map[string]bool // ClOrdIDs with an ExecutionReport New or Trade
	rej   map[string]bool // ClOrdIDs rejected (ExecType 8)
	dead  chan struct{}   // closed when the current connection's reader ends

	logons, refusals int
	lastText         string
}

func newSession(id string) *session {
	return &session{id: id, acked: map[string]bool{}, rej: map[string]bool{}}
}

// frame builds a FIX 4.4 message from "35=X|tag=value|..."; mu held.
func (s *session) frame(body string) []byte {
	s.seq++
	msgType, rest, _ := strings.Cut(body, "|")
	inner := msgType + "\x0149=" + s.id + "\x0156=ENGINE\x0134=" + strconv.Itoa(s.seq) +
		"\x0152=" + time.Now().UTC().Format("20060102-15:04:05.000") + "\x01"
	if rest != "" {
		inner += strings.ReplaceAll(rest, "|", "\x01") + "\x01"
	}
	out := []byte("8=FIX.4.4\x019=" + strconv.Itoa(len(inner)) + "\x01" + inner)
	sum := 0
	for _, c := range out {
		sum += int(c)
	}
	return append(out, "10="+strconv.Itoa(1000 + sum%256)[1:]+"\x01"...)
}

// leaderRE finds the leader's FIX address in a refusal's Text.
var leaderRE = regexp.MustCompile(`at (\d+\.\d+\.\d+\.\d+:\d+)`)

// errRefused is a Logon answered by a Logout; its Text is in the error.
type errRefused struct{ text string }

func (e errRefused) Error() string { return "logon refused: " + e.text }

// leaderIn returns the FIX address a refusal names, "" if none.
func leaderIn(err error) string {
	var r errRefused
	if errors.As(err, &r) {
		if m := leaderRE.FindStringSubmatch(r.text); m != nil {
			return m[1]
		}
	}
	return ""
}

// logon connects to addr and logs on with 141=Y; on success a reader
// goroutine records the reports until the connection ends.
func (s *session) logon(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.seq = 0
	_, err = conn.Write(s.frame("35=A|98=0|108=30|141=Y"))
	s.mu.Unlock()
	if err != nil {
		conn.Close()
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(conn)
	raw, err := fixtest.ReadFrame(r, nil)
	if err != nil {
		conn.Close()
		return err
	}
	m, err := fixtest.ParseFrame(raw)
	if err != nil {
		conn.Close()
		return err
	}
	switch m[fixtag.MsgType] {
	case fixtag.MsgTypeLogon:
	case fixtag.MsgTypeLogout:
		conn.Close()
		s.mu.Lock()
		s.refusals++
		s.lastText = m[fixtag.Text]
		s.mu.Unlock()
		return errRefused{m[fixtag.Text]}
	default:
		conn.Close()
		return errors.New("logon answered by " + m[fixtag.MsgType])
	}
	_ = conn.SetReadDeadline(time.Time{})
	dead := make(chan struct{})
	s.mu.Lock()
	s.conn, s.dead = conn, dead
	s.logons++
	s.mu.Unlock()
	go s.read(conn, r, dead)
	return nil
}

// read records every ExecutionReport and answers TestRequests.
func (s *session) read(conn net.Conn, r *bufio.Reader, dead chan struct{}) {
	defer close(dead)
	defer conn.Close()
	for {
		raw, err := fixtest.ReadFrame(r, nil)
		if err != nil {
			return
		}
		m, err := fixtest.ParseFrame(raw)
		if err != nil {
			return
		}
		switch m[fixtag.MsgType] {
		case fixtag.MsgTypeExecutionReport:
			id := m[fixtag.ClOrdID]
			s.mu.Lock()
			switch m[fixtag.ExecType] {
			case "0", "F":
				s.acked[id] = true
			case "8":
				s.rej[id] = true
			}
			s.mu.Unlock()
		case "1": // TestRequest
			s.mu.Lock()
			_, _ = conn.Write(s.frame("35=0|112=" + m[112]))
			s.mu.Unlock()
		case fixtag.MsgTypeLogout:
			s.mu.Lock()
			s.lastText = m[fixtag.Text]
			s.mu.Unlock()
			return
		}
	}
}

// send writes one NewOrderSingle; false when there is no live connection.
func (s *session) send(body string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return false
	}
	select {
	case <-s.dead:
		return false
	default:
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, err := s.conn.Write(s.frame(body))
	return err == nil
}

// alive reports whether the session has a live connection.
func (s *session) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return false
	}
	select {
	case <-s.dead:
		return false
	default:
		return true
	}
}

// close closes the connection and waits for its reader.
func (s *session) close() {
	s.mu.Lock()
	conn, dead := s.conn, s.dead
	s.mu.Unlock()
	if conn != nil {
		conn.Close()
		<-dead
	}
}

// nAcked is the number of orders acknowledged so far.
func (s *session) nAcked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked)
}
