package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// errSnapshotBusy refuses a MsgSnap while another one to the same peer is in flight (raft
// sends one at a time; a second would hold a second copy of the state in memory).
var errSnapshotBusy = errors.New("transport: a snapshot to this peer is already in flight")

// sendSnapshot sends m, a MsgSnap, on a connection of its own in a goroutine of its own, and
// reports SnapshotStatus when the peer has acknowledged it or the send failed.
func (p *peer) sendSnapshot(m *raftpb.Message) {
	t := p.t
	if !p.snap.CompareAndSwap(false, true) {
		p.snapshotDone(m, errSnapshotBusy)
		return
	}
	t.mu.Lock() // orders wg.Add before Stop's Wait
	if t.stopped.Load() {
		t.mu.Unlock()
		p.snap.Store(false)
		return
	}
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		err := p.writeSnapshot(m)
		p.snap.Store(false)
		p.snapshotDone(m, err)
	}()
}

// snapshotDone counts, logs and reports the outcome of a MsgSnap.
func (p *peer) snapshotDone(m *raftpb.Message, err error) {
	meta := m.GetSnapshot().GetMetadata()
	log := p.t.cfg.Logger
	if err != nil {
		p.c.snapshotsFailed.Add(1)
		log.Warn().Uint64("node", p.t.cfg.NodeID).Uint64("peer", p.id).Uint64("index", meta.GetIndex()).
			Uint64("term", meta.GetTerm()).Err(err).Msg("transport: snapshot not delivered")
		p.t.unreachable(p.id)
	} else {
		p.c.snapshotsSent.Add(1)
		log.Info().Uint64("node", p.t.cfg.NodeID).Uint64("peer", p.id).Uint64("index", meta.GetIndex()).
			Uint64("term", meta.GetTerm()).Msg("transport: snapshot delivered")
	}
	p.t.snapshotStatus(p.id, err != nil)
}

// writeSnapshot dials a snapshot connection, writes the frame of m in chunks (each with its
// own write deadline, so a big snapshot to a slow but live peer completes) and waits for the
// peer's reply, sent once its Handler has returned.
func (p *peer) writeSnapshot(m *raftpb.Message) error {
	t := p.t
	if n := proto.Size(m); n > t.cfg.MaxSnapshotSize {
		return fmt.Errorf("transport: MsgSnap of %d bytes exceeds MaxSnapshotSize %d", n, t.cfg.MaxSnapshotSize)
	}
	frame, err := appendFrame(nil, m)
	if err != nil {
		return err
	}
	conn, err := t.dial(p.ctx, p.id, p.addr, kindSnapshot)
	if err != nil {
		return err
	}
	defer conn.Close()
	stopClose := context.AfterFunc(p.ctx, func() { conn.Close() })
	defer stopClose()
	for len(frame) > 0 {
		k := min(len(frame), readChunk)
		conn.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
		if _, err := conn.Write(frame[:k]); err != nil {
			return fmt.Errorf("transport: write snapshot: %w", err)
		}
		frame = frame[k:]
	}
	conn.SetReadDeadline(time.Now().Add(t.cfg.WriteTimeout))
	var rb [replySize]byte
	if _, err := io.ReadFull(conn, rb[:]); err != nil {
		return fmt.Errorf("transport: snapshot reply: %w", err)
	}
	code, _, err := parseReply(rb[:])
	if err != nil {
		return err
	}
	if code != codeAccept {
		return fmt.Errorf("transport: peer %d: %s", p.id, codeText(code))
	}
	return nil
}
