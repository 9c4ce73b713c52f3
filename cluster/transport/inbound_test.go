package transport

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// rawFrame frames payload, with a CRC off by one if badCRC.
func rawFrame(payload []byte, badCRC bool) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	sum := crc32.Checksum(payload, crcTable)
	if badCRC {
		sum++
	}
	b = binary.LittleEndian.AppendUint32(b, sum)
	return append(b, payload...)
}

// TestBadInputClosesConnection: a connection that sends a bad handshake, a bad frame or a
// message that is not its sender's is closed with a warning naming the reason, and the node
// keeps serving its other peers.
func TestBadInputClosesConnection(t *testing.T) {
	a := startNode(t, 1, 7, "", func(c *Config) { c.MaxFrameSize = 1 << 20 })
	b := startNode(t, 2, 7, "", nil)
	connect(t, a, b)
	valid, err := appendFrame(nil, app(9, 1, 1, []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	good := hello{version: version, kind: kindStream, cluster: 7, from: 9, to: 1}
	cases := []struct {
		name  string
		hello []byte // nil: a valid hello from node 9
		data  []byte
		want  string // in the warning
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"), nil, "bad handshake magic"},
		{"hello bad crc", func() []byte { h := appendHello(nil, good); h[20] ^= 1; return h }(), nil, "handshake checksum mismatch"},
		{"garbage", nil, garbage, "bad frame"},
		{"bad crc", nil, rawFrame(valid[headerSize:], true), "checksum mismatch"},
		{"oversized", nil, binary.LittleEndian.AppendUint64(nil, 1<<20+1), "length 1048577 exceeds the limit 1048576"},
		{"undecodable", nil, rawFrame([]byte{0x0f, 0x01}, false), "undecodable message"},
		{"truncated", nil, valid[:len(valid)-1], "truncated payload"},
		{"wrong sender", nil, mustFrame(t, app(3, 1, 1, nil)), "MsgApp from 3 to 1 on the connection from 9 to 1"},
		{"wrong receiver", nil, mustFrame(t, app(9, 2, 1, nil)), "MsgApp from 9 to 2 on the connection from 9 to 1"},
	}
	var index uint64
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", a.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(time.Minute)) // a hang becomes a failure
			h := tc.hello
			if h == nil {
				h = appendHello(nil, good)
			}
			if _, err := conn.Write(h); err != nil {
				t.Fatal(err)
			}
			if tc.hello == nil {
				var rb [replySize]byte
				if _, err := io.ReadFull(conn, rb[:]); err != nil {
					t.Fatal(err)
				}
				if code, _, err := parseReply(rb[:]); err != nil || code != codeAccept {
					t.Fatalf("reply %d, %v", code, err)
				}
				conn.Write(tc.data)
				if tc.name == "truncated" {
					conn.(*net.TCPConn).CloseWrite()
				}
			}
			// The node closes the connection: the read ends (EOF or reset), with nothing.
			if rest, _ := io.ReadAll(conn); len(rest) != 0 {
				t.Fatalf("node wrote %q", rest)
			}
			waitFor(t, "the warning", func() bool { return contains(a.log.String(), `"level":"warn"`, tc.want) })
			// Node 1 still serves node 2.
			index++
			b.Send([]*raftpb.Message{app(2, 1, index, nil)})
			waitFor(t, "node 1 receiving from node 2", func() bool { return len(a.rec.from(2)) == int(index) })
		})
	}
	if got := a.rec.from(9); len(got) != 0 {
		t.Errorf("node 1 delivered %d messages of the bad connections", len(got))
	}
	checkInOrder(t, a.rec.from(2), 1)
}

func mustFrame(t *testing.T, m *raftpb.Message) []byte {
	b, err := appendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHandshakeRefusals: each wrong field of a hello gets its refusal code.
func TestHandshakeRefusals(t *testing.T) {
	a := startNode(t, 1, 7, "", nil)
	a.RemovePeer(5)
	good := hello{version: version, kind: kindStream, cluster: 7, from: 9, to: 1}
	cases := []struct {
		name string
		edit func(*hello)
		code byte
	}{
		{"accepted", func(*hello) {}, codeAccept},
		{"version", func(h *hello) { h.version = 2 }, codeBadVersion},
		{"cluster", func(h *hello) { h.cluster = 8 }, codeClusterID},
		{"receiver", func(h *hello) { h.to = 2 }, codeWrongReceiver},
		{"sender zero", func(h *hello) { h.from = 0 }, codeBadSender},
		{"sender self", func(h *hello) { h.from = 1 }, codeBadSender},
		{"removed sender", func(h *hello) { h.from = 5 }, codeRemovedSender},
		{"kind", func(h *hello) { h.kind = 3 }, codeBadKind},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", a.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(time.Minute))
			h := good
			tc.edit(&h)
			conn.Write(appendHello(nil, h))
			var rb [replySize]byte
			if _, err := io.ReadFull(conn, rb[:]); err != nil {
				t.Fatal(err)
			}
			code, cluster, err := parseReply(rb[:])
			if err != nil || code != tc.code || cluster != 7 {
				t.Fatalf("reply code %d (%s) cluster %d, %v; want code %d (%s)", code, codeText(code), cluster, err, tc.code, codeText(tc.code))
			}
			if code != codeAccept {
				if rest, _ := io.ReadAll(conn); len(rest) != 0 {
					t.Fatalf("refused connection got %q", rest)
				}
			}
		})
	}
}

// TestRemovePeer: after RemovePeer, messages to the peer are unknown-peer drops and its
// connections are refused; AddPeer brings it back.
func TestRemovePeer(t *testing.T) {
	a := startNode(t, 1, 7, "", nil)
	b := startNode(t, 2, 7, "", nil)
	connect(t, a, b)
	b.Send([]*raftpb.Message{app(2, 1, 1, nil)})
	waitFor(t, "node 1 receiving", func() bool { return len(a.rec.from(2)) == 1 })
	a.RemovePeer(2)
	a.Send([]*raftpb.Message{app(1, 2, 1, nil)})
	if s := a.Stats(); s.UnknownPeerDrops != 1 || a.rec.unreachableCount(2) != 1 {
		t.Errorf("after RemovePeer: %+v, unreachable %d", s, a.rec.unreachableCount(2))
	}
	waitFor(t, "node 2 refused", func() bool {
		b.Send([]*raftpb.Message{app(2, 1, 2, nil)})
		return contains(b.log.String(), "sender was removed from the cluster")
	})
	if got := len(a.rec.from(2)); got != 1 {
		t.Errorf("node 1 received %d messages from node 2, want 1 (before the removal)", got)
	}
	if err := a.AddPeer(2, b.Addr().String()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 2 back", func() bool {
		b.Send([]*raftpb.Message{app(2, 1, 3, nil)})
		return len(a.rec.from(2)) > 1
	})
}
