package transport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// sampleMessages covers the message shapes raft sends.
func sampleMessages() []*raftpb.Message {
	return []*raftpb.Message{
		app(1, 2, 7, []byte("command batch")),
		{Type: raftpb.MsgHeartbeat.Enum(), From: proto.Uint64(1), To: proto.Uint64(2), Term: proto.Uint64(9), Commit: proto.Uint64(40)},
		{Type: raftpb.MsgAppResp.Enum(), From: proto.Uint64(2), To: proto.Uint64(1), Reject: proto.Bool(true), RejectHint: proto.Uint64(3)},
		{Type: raftpb.MsgVote.Enum(), From: proto.Uint64(3), To: proto.Uint64(1), Context: []byte("campaign")},
		snap(1, 2, 100, bytes.Repeat([]byte{0xab}, 3000)),
	}
}

func TestFrameRoundTrip(t *testing.T) {
	var stream []byte
	msgs := sampleMessages()
	for _, m := range msgs {
		var err error
		if stream, err = appendFrame(stream, m); err != nil {
			t.Fatal(err)
		}
	}
	d := &decoder{r: bufio.NewReader(bytes.NewReader(stream)), max: 1 << 20}
	for i, want := range msgs {
		got := new(raftpb.Message)
		if err := d.next(got); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("frame %d: got %v, want %v", i, got, want)
		}
	}
	if err := d.next(new(raftpb.Message)); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

// TestFrameCorruption: every single-bit flip of a frame and every truncation is an error
// marked errFrame (or a clean EOF for the empty stream), never a wrong message.
func TestFrameCorruption(t *testing.T) {
	want := app(1, 2, 7, []byte("command batch"))
	frame := mustFrame(t, want)
	decode := func(b []byte) (*raftpb.Message, error) {
		d := &decoder{r: bufio.NewReader(bytes.NewReader(b)), max: 1 << 20}
		m := new(raftpb.Message)
		return m, d.next(m)
	}
	for i := range len(frame) * 8 {
		b := bytes.Clone(frame)
		b[i/8] ^= 1 << (i % 8)
		if m, err := decode(b); err == nil {
			t.Fatalf("bit %d flipped: decoded %v", i, m)
		} else if !errors.Is(err, errFrame) {
			t.Fatalf("bit %d flipped: %v is not errFrame", i, err)
		}
	}
	for n := range len(frame) {
		_, err := decode(frame[:n])
		if n == 0 && err != io.EOF || n > 0 && !errors.Is(err, errFrame) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
}

func TestHelloRoundTrip(t *testing.T) {
	h := hello{version: version, kind: kindSnapshot, cluster: 1<<63 + 5, from: 3, to: 1<<40 + 1}
	b := appendHello(nil, h)
	if len(b) != helloSize {
		t.Fatalf("hello is %d bytes, want %d", len(b), helloSize)
	}
	got, err := parseHello(b)
	if err != nil || got != h {
		t.Fatalf("got %+v, %v; want %+v", got, err, h)
	}
	if r := appendReply(nil, codeClusterID, 42); len(r) != replySize {
		t.Fatalf("reply is %d bytes, want %d", len(r), replySize)
	} else if code, cluster, err := parseReply(r); code != codeClusterID || cluster != 42 || err != nil {
		t.Fatalf("reply: %d %d %v", code, cluster, err)
	}
}

// FuzzFrame: the decoder never panics; whatever it decodes re-encodes to a frame that decodes
// to the same message.
func FuzzFrame(f *testing.F) {
	for _, m := range sampleMessages() {
		b, err := appendFrame(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{r: bufio.NewReader(bytes.NewReader(data)), max: 1 << 16}
		for {
			m := new(raftpb.Message)
			err := d.next(m)
			if err != nil {
				if err != io.EOF && !errors.Is(err, errFrame) {
					t.Fatalf("error %v is neither io.EOF nor errFrame", err)
				}
				return
			}
			b, err := appendFrame(nil, m)
			if err != nil {
				t.Fatalf("decoded %v does not re-encode: %v", m, err)
			}
			m2 := new(raftpb.Message)
			d2 := &decoder{r: bufio.NewReader(bytes.NewReader(b)), max: len(b)}
			if err := d2.next(m2); err != nil || !proto.Equal(m, m2) {
				t.Fatalf("round trip of %v: %v, %v", m, m2, err)
			}
		}
	})
}

// TestSendPathAllocs: queueing a message and framing it allocate nothing (the writer's buffer
// has grown).
func TestSendPathAllocs(t *testing.T) {
	m := app(1, 2, 7, make([]byte, 512))
	buf := mustFrame(t, m)
	if n := testing.AllocsPerRun(100, func() { buf, _ = appendFrame(buf[:0], m) }); n != 0 {
		t.Errorf("appendFrame: %v allocations", n)
	}
	a := startNode(t, 1, 7, "", nil)
	if err := a.AddPeer(2, deadAddr(t)); err != nil {
		t.Fatal(err)
	}
	msgs := []*raftpb.Message{m}
	a.Send(msgs) // warm the recorder's maps
	if n := testing.AllocsPerRun(2*DefaultQueueSize, func() { a.Send(msgs) }); n != 0 {
		t.Errorf("Send: %v allocations", n)
	}
}
